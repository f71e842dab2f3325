// swift-tools-version: 6.3
// AgentSessions: a supervised, durable session store for AI-agent conversations.
// No package dependencies: toolchain only (see README.md).
import PackageDescription

let package = Package(
    name: "AgentSessions",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Supervision", targets: ["Supervision"]),
        .library(name: "AgentSessions", targets: ["AgentSessions"]),
        .executable(name: "sessions", targets: ["sessions"]),
        .executable(name: "sessions-bench", targets: ["SessionsBenchmark"]),
        // The slash is deliberate: it makes `swift run Examples/ResumeWorkflow` work as written.
        .executable(name: "Examples/ResumeWorkflow", targets: ["ResumeWorkflow"]),
    ],
    dependencies: [],
    targets: [
        .target(name: "Supervision"),
        .target(name: "AgentSessions", dependencies: ["Supervision"]),
        .target(name: "SessionsCommand", dependencies: ["AgentSessions"]),
        .executableTarget(name: "sessions", dependencies: ["SessionsCommand"]),
        .executableTarget(name: "SessionsBenchmark", dependencies: ["AgentSessions"]),
        .executableTarget(
            name: "ResumeWorkflow",
            dependencies: ["AgentSessions"],
            path: "Examples/ResumeWorkflow"
        ),
        .testTarget(name: "SupervisionTests", dependencies: ["Supervision"]),
        .testTarget(name: "AgentSessionsTests", dependencies: ["AgentSessions", "TestSupport"]),
        // The executables too, so that `swift test` builds the binaries the end-to-end tests run.
        .testTarget(name: "SessionsCommandTests", dependencies: ["SessionsCommand", "sessions", "ResumeWorkflow", "TestSupport"]),
        // Helpers shared by the test targets and test programs (a seeded generator, a fault-injecting backend).
        .target(name: "TestSupport", dependencies: ["AgentSessions"], path: "Tests/TestSupport"),
        // A test-only program that writes to a store and reports each acknowledged operation,
        // so reliability tests can kill it (SIGKILL) or run several at once on one directory.
        .executableTarget(name: "StoreWriter", dependencies: ["AgentSessions", "TestSupport"], path: "Tests/Helpers/StoreWriter"),
        .testTarget(name: "ReliabilityTests", dependencies: ["AgentSessions", "TestSupport", "StoreWriter", "sessions"]),
    ],
    swiftLanguageModes: [.v6]
)
