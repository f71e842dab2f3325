import Foundation
import Synchronization
import Testing
@testable import AgentSessions
#if canImport(Glibc)
import Glibc
#endif

@Suite("RunnerTests: the Claude Code runner against stand-in scripts")
struct RunnerTests {
    /// Iterates a run to its end or first error, returning what arrived and the error.
    static func drain(_ run: AgentRun) async -> (messages: [Message], error: ClaudeCodeError?) {
        var messages: [Message] = []
        var iterator = run.makeAsyncIterator()
        do {
            while let message = try await iterator.next() { messages.append(message) }
            return (messages, nil)
        } catch {
            return (messages, error)
        }
    }

    @Test("a successful turn streams every message and records the session with its tags")
    func success() async throws {
        let agent = StandInAgent(StandInAgent.success)
        defer { agent.remove() }
        try await withStore(.file) { store, _ in
            let run = agent.runner(store: store).run("Fix the bug", options: RunOptions(model: "claude-x", tags: ["ci", "nightly"]))
            let result = try await run.collect()
            #expect(result.sessionID == "new-session-1")
            #expect(result.messages.map(\.type) == ["system", "assistant", "assistant", "result"])
            #expect(result.summary.costUSD == 0.0123)
            #expect(result.summary.turns == TurnCounts(assistantMessages: 2, apiMessages: 1, reportedTurns: 1))
            #expect(agent.arguments() == ["-p", "Fix the bug", "--output-format", "stream-json", "--verbose", "--model", "claude-x"])
            let stored = try await store.loadSession("new-session-1")
            #expect(stored.messages == result.messages)
            #expect(stored.metadata.tags == ["ci", "nightly"])
            #expect(stored.metadata.summary == "Fix the bug")
            #expect(stored.metadata.totalCostUSD == 0.0123)
        }
    }

    @Test("resume passes --resume, keeps the session id and appends to the stored session")
    func resumeKeepsID() async throws {
        let agent = StandInAgent(StandInAgent.success)
        defer { agent.remove() }
        try await withStore(.file) { store, _ in
            let runner = agent.runner(store: store)
            let first = try await runner.run("step 1", options: RunOptions(tags: ["workflow"])).collect()
            let id = try #require(first.sessionID)
            let second = try await runner.resume(id, prompt: "step 2", tags: ["step-2"]).collect()
            #expect(second.sessionID == id)
            #expect(agent.arguments().contains("--resume"))
            #expect(agent.arguments()[agent.arguments().firstIndex(of: "--resume")! + 1] == id)
            let stored = try await store.loadSession(id)
            #expect(stored.messages == first.messages + second.messages)
            #expect(stored.metadata.tags == ["step-2", "workflow"])
            #expect(stored.metadata.turnCount == 4)
            #expect(try await store.listSessions().sessions.count == 1)
        }
    }

    @Test("resume of a session the store does not know saves it")
    func resumeUnknown() async throws {
        let agent = StandInAgent(StandInAgent.success)
        defer { agent.remove() }
        try await withStore(.file) { store, _ in
            let result = try await agent.runner(store: store).resume("elsewhere-42", prompt: "go on").collect()
            #expect(result.sessionID == "elsewhere-42")
            #expect(try await store.session("elsewhere-42").messageCount == 4)
        }
    }

    @Test("a fork of a stored session is saved under the new id with the parent's messages first")
    func fork() async throws {
        let parent = StandInAgent(StandInAgent.success)
        let forked = StandInAgent("SID=forked-1\n" + StandInAgent.success)
        defer { parent.remove(); forked.remove() }
        try await withStore(.file) { store, _ in
            let first = try await parent.runner(store: store).run("start", options: RunOptions(tags: ["a"])).collect()
            let second = try await forked.runner(store: store)
                .run("branch", options: RunOptions(resume: "new-session-1", forkSession: true, tags: ["b"])).collect()
            #expect(forked.arguments().suffix(3) == ["--resume", "new-session-1", "--fork-session"])
            let stored = try await store.loadSession("forked-1")
            #expect(stored.messages == first.messages + second.messages)
            #expect(stored.metadata.tags == ["a", "b"])
            #expect(try await store.session("new-session-1").messageCount == 4)
        }
    }

    /// A failing stand-in and what the runner must report.
    struct FailureCase: Sendable, CustomTestStringConvertible {
        let name: String
        let body: String
        let code: String
        let messagesBefore: Int
        var testDescription: String { name }
    }

    static let failures: [FailureCase] = [
        FailureCase(
            name: "non-zero exit with its stderr tail",
            body: StandInAgent.initLine + "\necho 'warming up' >&2\necho 'Error: invalid API key' >&2\nexit 3",
            code: "non_zero_exit", messagesBefore: 1),
        FailureCase(
            name: "garbage output", body: StandInAgent.initLine + "\necho 'Welcome to Claude! this is not json'\nsleep 30",
            code: "invalid_output", messagesBefore: 1),
        FailureCase(
            name: "killed mid-stream", body: StandInAgent.initLine + "\n" + StandInAgent.assistantLines + "\nkill -9 $$",
            code: "killed", messagesBefore: 3),
        FailureCase(name: "no output at all", body: "exit 0", code: "invalid_output", messagesBefore: 0),
    ]

    @Test("failures are typed, and the store keeps what came before", arguments: failures)
    func failure(_ failure: FailureCase) async throws {
        let agent = StandInAgent(failure.body)
        defer { agent.remove() }
        try await withStore(.file) { store, _ in
            let started = ContinuousClock.now
            let (messages, error) = await Self.drain(agent.runner(store: store).run("go"))
            let thrown = try #require(error)
            #expect(thrown.code == failure.code, "\(thrown)")
            #expect(messages.count == failure.messagesBefore)
            #expect(ContinuousClock.now - started < .seconds(10), "the garbage case must not wait for the sleep")
            if failure.messagesBefore > 0 {
                #expect(thrown.sessionID == "new-session-1")
                #expect(try await store.loadSession("new-session-1").messages == messages)
            }
            switch thrown {
            case .nonZeroExit(let status, let tail, _):
                #expect(status == 3)
                #expect(tail.hasSuffix("Error: invalid API key"))
                #expect(thrown.description.contains("invalid API key"))
            case .invalidOutput(let line, _, _):
                #expect(line == failure.messagesBefore + (failure.messagesBefore > 0 ? 1 : 0))
            case .killed(let signal, _, _):
                #expect(signal == SIGKILL)
            default:
                break
            }
            // Whatever happened, the agent is not left running.
            let pid = try #require(agent.pid())
            #expect(processIsGone(pid))
        }
    }

    @Test("cancelling the iterating task terminates the child (SIGTERM) and keeps what came before")
    func cancellation() async throws {
        let agent = StandInAgent("sleep 30 &\necho $! > 'CHILD'\n" + StandInAgent.initLine + "\nwait $!")
        defer { agent.remove() }
        try await cancelAndCheck(agent, grace: .seconds(5), expectFasterThan: .seconds(4))
    }

    @Test("a child that ignores SIGTERM is killed with SIGKILL after the grace period")
    func cancellationEscalates() async throws {
        let agent = StandInAgent("trap '' TERM\nsleep 30 &\necho $! > 'CHILD'\n" + StandInAgent.initLine + "\nwait $!")
        defer { agent.remove() }
        // Without the SIGKILL the stand-in would run for its 30 s sleep; 15 s proves the escalation
        // and leaves room for a loaded 2-core machine (4.2 s was seen under the parallel suite).
        try await cancelAndCheck(agent, grace: .milliseconds(300), expectFasterThan: .seconds(15))
    }

    func cancelAndCheck(_ template: StandInAgent, grace: Duration, expectFasterThan limit: Duration) async throws {
        // Rewrite the placeholder with the real path of the grandchild's pid file.
        let script = try String(contentsOfFile: template.path, encoding: .utf8)
            .replacingOccurrences(of: "'CHILD'", with: "'\(template.childPidFile)'")
        StandInAgent.writeExecutable(script, to: template.path)
        try await withStore(.file) { store, _ in
            let run = template.runner(store: store, grace: grace).run("long job")
            let (firstArrived, signal) = AsyncStream<Void>.makeStream()
            let task = Task { () -> (Int, ClaudeCodeError?) in
                defer { signal.finish() }  // a run that fails before its first message must not leave the wait below waiting
                var count = 0
                do {
                    for try await _ in run {
                        count += 1
                        signal.yield()
                    }
                    return (count, nil)
                } catch {
                    return (count, error as? ClaudeCodeError)
                }
            }
            // The scripts write the grandchild's pid before their first line, so once a message has
            // arrived the grandchild exists and the kill must reach the whole group.
            for await _ in firstArrived { break }
            let pid = try #require(template.pid())
            let grandchild = try #require(template.pid(template.childPidFile))
            #expect(!processIsGone(pid))
            let started = ContinuousClock.now
            task.cancel()
            let (count, error) = await task.value
            #expect(ContinuousClock.now - started < limit)
            #expect(count == 1)
            #expect(error == .cancelled(sessionID: "new-session-1"))
            #expect(processIsGone(pid), "the agent process was reaped before the error was thrown")
            #expect(await waitUntilGone(grandchild), "the agent's own child was killed with its group")
            #expect(try await store.session("new-session-1").messageCount == 1)
        }
    }

    @Test("hook messages before init are saved with it; a stream without init is saved under the first id at the end")
    func beforeInit() async throws {
        let hook = StandInAgent.emit(#"{"type":"system","subtype":"hook_response","session_id":"$SID","output":"ok"}"#)
        let withHook = StandInAgent(hook + "\n" + StandInAgent.success)
        let withoutInit = StandInAgent("SID=no-init-7\n" + StandInAgent.assistantLines + "\n" + StandInAgent.resultLine())
        defer { withHook.remove(); withoutInit.remove() }
        try await withStore(.file) { store, _ in
            let first = try await withHook.runner(store: store).run("x").collect()
            #expect(try await store.loadSession("new-session-1").messages == first.messages)
            #expect(first.messages.first?.subtype == "hook_response")
            let second = try await withoutInit.runner(store: store).run("y").collect()
            #expect(second.sessionID == "no-init-7")
            #expect(try await store.loadSession("no-init-7").messages == second.messages)
        }
    }

    @Test("a session id the store rejects fails the run with recording_failed and stops the agent")
    func recordingFailure() async throws {
        let agent = StandInAgent("SID=../escape\n" + StandInAgent.initLine + "\nsleep 30")
        defer { agent.remove() }
        try await withStore(.file) { store, _ in
            let started = ContinuousClock.now
            let (messages, error) = await Self.drain(agent.runner(store: store).run("x"))
            #expect(messages.isEmpty)
            guard case .recordingFailed(let storeError, let id)? = error else {
                Issue.record("expected recording_failed, got \(String(describing: error))")
                return
            }
            #expect(storeError.code == "invalid_id")
            #expect(id == "../escape")
            #expect(ContinuousClock.now - started < .seconds(10))
            let pid = try #require(agent.pid())
            #expect(processIsGone(pid))
        }
    }

    @Test("breaking out of the loop does not orphan the child")
    func abandoned() async throws {
        let agent = StandInAgent(StandInAgent.initLine + "\nsleep 30")
        defer { agent.remove() }
        do {
            for try await _ in agent.runner(store: nil, grace: .milliseconds(200)).run("x") { break }
        }
        let pid = try #require(agent.pid())
        #expect(await waitUntilGone(pid))
    }

    @Test("the executable is CLAUDE_PATH, else the first claude on PATH, else a typed error")
    func locate() throws {
        let agent = StandInAgent(StandInAgent.success)
        defer { agent.remove() }
        func runner(_ environment: [String: String], path: String? = nil) -> ClaudeCodeRunner {
            ClaudeCodeRunner(configuration: .init(executablePath: path, environment: environment))
        }
        #expect(try runner(["CLAUDE_PATH": agent.path]).locateExecutable() == agent.path)
        #expect(try runner(["PATH": "/nonexistent:\(agent.directory.path)"]).locateExecutable() == agent.path)
        #expect(throws: ClaudeCodeError.executableNotFound(name: "claude", searched: ["/nonexistent/claude"])) {
            try runner(["PATH": "/nonexistent"]).locateExecutable()
        }
        #expect(throws: ClaudeCodeError.executableNotFound(name: "/nonexistent/claude", searched: ["/nonexistent/claude"])) {
            try runner(["CLAUDE_PATH": "/nonexistent/claude", "PATH": agent.directory.path]).locateExecutable()
        }
    }

    @Test("a missing executable fails the first next() without starting anything")
    func missingExecutable() async {
        let run = ClaudeCodeRunner(configuration: .init(environment: ["PATH": "/nonexistent"])).run("x")
        let (messages, error) = await Self.drain(run)
        #expect(messages.isEmpty)
        #expect(error?.code == "executable_not_found")
        #expect(error?.description.contains("CLAUDE_PATH") == true)
    }

    @Test("a working directory is entered before the agent starts")
    func workingDirectory() async throws {
        let agent = StandInAgent(StandInAgent.emit(#"{"type":"system","subtype":"init","session_id":"$SID"}"#) + "\npwd > '\(NSTemporaryDirectory())/cwd-probe-'$$")
        defer { agent.remove() }
        let runner = ClaudeCodeRunner(configuration: .init(executablePath: agent.path, workingDirectory: agent.directory.path))
        _ = try await runner.run("x").collect()
        let pid = try #require(agent.pid())
        let probe = NSTemporaryDirectory() + "/cwd-probe-\(pid)"
        defer { try? FileManager.default.removeItem(atPath: probe) }
        let cwd = try String(contentsOfFile: probe, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(URL(fileURLWithPath: cwd).resolvingSymlinksInPath().path == URL(fileURLWithPath: agent.directory.path).resolvingSymlinksInPath().path)
        #expect(agent.arguments().first == "-p")
    }
}
