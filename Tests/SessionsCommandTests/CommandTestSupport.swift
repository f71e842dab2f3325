import AgentSessions
import Foundation
import Testing
import TestSupport

/// A fresh directory under the system temporary directory, removed by ``remove()``.
struct ScratchDirectory {
    let path: String

    init(_ label: String) {
        path = NSTemporaryDirectory() + "sessions-cli-test-\(label)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    func write(_ relative: String, _ text: String) throws {
        let url = URL(fileURLWithPath: path + "/" + relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }
}

/// The outcome of running a built executable.
struct ProcessOutput: Sendable, CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String

    var lines: [String] { stdout.split(separator: "\n").map(String.init) }

    /// Each stdout line parsed as JSON (fails the test on a line that is not JSON).
    func jsonLines(sourceLocation: SourceLocation = #_sourceLocation) throws -> [JSONValue] {
        try lines.map { line in try JSONValue(parsing: line) }
    }

    /// The whole stdout as one JSON document.
    func json() throws -> JSONValue { try JSONValue(parsing: stdout) }

    var description: String { "status \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
}

/// Finds the executables `swift build` put next to the test bundle.
enum BuiltProducts {
    /// The build directory: the test bundle's directory (`.build/debug`), else `.build/debug` of the package.
    static var directory: String {
        let bundleDirectory = (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0]))
            .deletingLastPathComponent().path
        if FileManager.default.isExecutableFile(atPath: bundleDirectory + "/sessions") { return bundleDirectory }
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return package.path + "/.build/debug"
    }

    /// The path of a product, or a test failure saying how to build it.
    static func path(_ product: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let path = directory + "/" + product
        guard FileManager.default.isExecutableFile(atPath: path) else {
            Issue.record("\(product) was not found at \(path); run `swift build --product \(product)` first", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        return path
    }
}

/// Runs `executable` with `arguments` and a controlled environment; stdout and stderr go to
/// temporary files (no pipe can fill up and block the child).
func runProcess(_ executable: String, _ arguments: [String], environment: [String: String]) async throws -> ProcessOutput {
    let scratch = ScratchDirectory("run")
    defer { scratch.remove() }
    let outPath = scratch.path + "/stdout", errPath = scratch.path + "/stderr"
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = environment
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    let status = try await ProcessExit(starting: process).status
    try out.close()
    try err.close()
    return ProcessOutput(
        status: status, stdout: try String(contentsOfFile: outPath, encoding: .utf8),
        stderr: try String(contentsOfFile: errPath, encoding: .utf8))
}

/// Runs the built `sessions` against a store.
struct SessionsTool {
    let executable: String
    let store: ScratchDirectory
    /// `HOME` of the child, so nothing touches the real one.
    let home: ScratchDirectory
    var environment: [String: String]

    init() throws {
        executable = try BuiltProducts.path("sessions")
        store = ScratchDirectory("store")
        home = ScratchDirectory("home")
        environment = ["HOME": home.path, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"]
    }

    func remove() {
        store.remove()
        home.remove()
    }

    /// `sessions --store STORE ARGS...` (the store option first, as scripts usually write it).
    func callAsFunction(_ arguments: String...) async throws -> ProcessOutput {
        try await run(["--store", store.path] + arguments)
    }

    /// `sessions ARGS...` exactly as given.
    func run(_ arguments: [String], environment extra: [String: String] = [:]) async throws -> ProcessOutput {
        try await runProcess(executable, arguments, environment: environment.merging(extra) { $1 })
    }
}

/// Stream-json lines for one small conversation.
func streamJSON(_ id: String, cost: Double, prompt: String = "Fix the bug") -> [String] {
    [
        #"{"type":"system","subtype":"init","session_id":"\#(id)","model":"claude-test-1","tools":["Bash"]}"#,
        #"{"type":"user","message":{"role":"user","content":"\#(prompt)"},"session_id":"\#(id)"}"#,
        #"{"type":"assistant","message":{"id":"msg_1","role":"assistant","model":"claude-test-1","content":[{"type":"text","text":"Looking ✓ 🚀"}]},"session_id":"\#(id)"}"#,
        #"{"type":"assistant","message":{"id":"msg_1","role":"assistant","model":"claude-test-1","content":[{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"ls"}}]},"session_id":"\#(id)"}"#,
        #"{"type":"assistant","message":{"id":"msg_2","role":"assistant","model":"claude-test-1","content":[{"type":"text","text":"Done"}]},"session_id":"\#(id)"}"#,
        #"{"type":"result","subtype":"success","is_error":false,"num_turns":2,"total_cost_usd":\#(cost),"session_id":"\#(id)","big":12345678901234567}"#,
    ]
}

/// An export archive with the three fixture sessions: alpha (old, red+blue, $0.50),
/// beta (mid, red, $1.50) and gamma (recent, green, $0.05).
/// Dates are whole seconds, so that the store's archive round trip is exact (see
/// `EndToEndTests.archiveMilliseconds` for the drift of fractional seconds).
func fixtureArchive(now: Date = Date()) -> String {
    let now = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
    func iso(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt)) }
    let sessions: [(id: String, created: Date, updated: Date, tags: [String], cost: Double)] = [
        ("alpha", Date(timeIntervalSince1970: 1_735_689_600), Date(timeIntervalSince1970: 1_735_776_000), ["blue", "red"], 0.5),
        ("beta", Date(timeIntervalSince1970: 1_748_736_000), Date(timeIntervalSince1970: 1_748_822_400), ["red"], 1.5),
        ("gamma", now.addingTimeInterval(-86_400), now.addingTimeInterval(-3_600), ["green"], 0.05),
    ]
    var lines = [#"{"format":"agent-sessions-archive","version":1,"sessions":3}"#]
    for s in sessions {
        let messages = streamJSON(s.id, cost: s.cost, prompt: "Task \(s.id)").joined(separator: ",")
        let tags = s.tags.map { "\"\($0)\"" }.joined(separator: ",")
        lines.append(#"{"id":"\#(s.id)","created_at":"\#(iso(s.created))","updated_at":"\#(iso(s.updated))","tags":[\#(tags)],"total_cost_usd":\#(s.cost),"turn_count":3,"messages":[\#(messages)]}"#)
    }
    return lines.joined(separator: "\n") + "\n"
}
