import AgentSessions
import Foundation
import Testing

@Suite("SessionsCommandTests: Examples/ResumeWorkflow runs to completion")
struct ResumeWorkflowExampleTests {
    @Test("the example exits 0 and names the same session at both steps; the store holds both turns")
    func runsToCompletion() async throws {
        let example = try BuiltProducts.path("Examples/ResumeWorkflow")
        let store = ScratchDirectory("example-store")
        defer { store.remove() }
        let started = ContinuousClock.now
        // --stand-in: never the real CLI in tests, even where it is installed.
        let output = try await runProcess(
            example, ["--store", store.path, "--stand-in"],
            environment: ["HOME": store.path, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"])
        #expect(output.status == 0, "\(output)")
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(output.stdout.contains("store: \(store.path)\n"))
        #expect(output.stdout.contains("bundled stand-in agent"))
        let ids = output.lines.filter { $0.contains("session id:") }.map { $0.split(separator: " ").last.map(String.init) ?? "" }
        try #require(ids.count == 2, "\(output)")
        #expect(ids[0] == ids[1])
        #expect(!ids[0].isEmpty)
        #expect(output.stdout.contains("step 1:"))
        #expect(output.stdout.contains("step 2:"))
        #expect(output.stdout.contains("found 1 session tagged resume-workflow: \(ids[0])"))

        // The store the example wrote is readable by the CLI: both turns, all tags.
        let sessions = try BuiltProducts.path("sessions")
        let shown = try await runProcess(sessions, ["--store", store.path, "show", ids[0], "--json"], environment: ["HOME": store.path])
        #expect(shown.status == 0, "\(shown)")
        let metadata = try JSONValue(parsing: shown.stdout)
        #expect(metadata["message_count"] == 12)
        #expect(metadata["tags"] == ["resume-workflow", "step-1", "step-2"])
    }
}
