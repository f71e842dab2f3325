import Foundation

/// One agent turn as an `AsyncSequence` of the CLI's messages, made by ``ClaudeCodeRunner``.
///
/// The process starts on the first `next()`. Each message is recorded in the runner's store
/// (when it has one) before it is returned. The sequence ends (returns nil) when the process
/// exits with status 0 after printing at least one message; otherwise iteration throws a
/// ``ClaudeCodeError``:
/// - ``ClaudeCodeError/executableNotFound(name:searched:)`` / ``ClaudeCodeError/launchFailed(path:errno:)``
///   before anything runs;
/// - ``ClaudeCodeError/invalidOutput(lineNumber:reason:sessionID:)`` at the first line that is not
///   a JSON object (the process is terminated), or when it exits 0 without any output;
/// - ``ClaudeCodeError/nonZeroExit(status:stderrTail:sessionID:)`` and
///   ``ClaudeCodeError/killed(signal:stderrTail:sessionID:)`` after the last message;
/// - ``ClaudeCodeError/recordingFailed(_:sessionID:)`` when the store rejects a write.
///
/// **Cancellation**: when the iterating task is cancelled, `next()` stops waiting for output,
/// terminates the process tree (`SIGTERM` to its process group, `SIGKILL` after
/// ``ClaudeCodeRunner/Configuration/terminationGracePeriod``), waits until the process has been
/// reaped, and throws ``ClaudeCodeError/cancelled(sessionID:)``. Messages recorded before stay in
/// the store. An iterator dropped before the end (a `break` out of the loop) also terminates
/// the process tree, without waiting. There is no timeout of its own: wrap the iteration in a
/// task you cancel after a deadline.
///
/// Iterate a given run once: each iterator starts its own process.
public struct AgentRun: AsyncSequence, Sendable {
    /// Each element is one stream-json message.
    public typealias Element = Message
    /// The error type of iteration.
    public typealias Failure = ClaudeCodeError

    let runner: ClaudeCodeRunner
    /// The prompt of this turn.
    public let prompt: String
    /// The options of this turn.
    public let options: RunOptions

    /// The CLI arguments this run passes (without the program name).
    public var arguments: [String] { runner.arguments(prompt: prompt, options: options) }

    /// Creates an iterator; the process starts on its first `next()`.
    public func makeAsyncIterator() -> Iterator {
        Iterator(driver: RunDriver(runner: runner, prompt: prompt, options: options))
    }

    /// Runs the turn to its end and returns every message with its summary.
    /// - Throws: ``ClaudeCodeError`` as for iteration (including cancellation of the calling task).
    public func collect() async throws(ClaudeCodeError) -> AgentRunResult {
        var messages: [Message] = []
        var iterator = makeAsyncIterator()
        while let message = try await iterator.next() { messages.append(message) }
        let summary = Session.summarize(messages)
        return AgentRunResult(sessionID: iterator.driver.recorder.sessionID ?? summary.sessionID, messages: messages, summary: summary)
    }

    /// Produces the messages of one run.
    public struct Iterator: AsyncIteratorProtocol {
        let driver: RunDriver

        /// The next message; nil when the process has exited successfully.
        /// - Throws: ``ClaudeCodeError``; see ``AgentRun``.
        public mutating func next() async throws(ClaudeCodeError) -> Message? {
            try await driver.next(isolation: nil)
        }

        /// The next message; nil when the process has exited successfully.
        /// - Parameter actor: the caller's isolation.
        /// - Throws: ``ClaudeCodeError``; see ``AgentRun``.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws(ClaudeCodeError) -> Message? {
            try await driver.next(isolation: actor)
        }
    }
}

/// The outcome of ``AgentRun/collect()``.
public struct AgentRunResult: Sendable, Hashable {
    /// The session id the CLI reported.
    public var sessionID: String?
    /// Every message of the turn, in order.
    public var messages: [Message]
    /// ``Session/summarize(_:)`` of the turn's messages (cost, turns, model, outcome).
    public var summary: SessionSummary

    /// Creates a result.
    /// - Parameters:
    ///   - sessionID: the session id.
    ///   - messages: the messages.
    ///   - summary: their summary.
    public init(sessionID: String?, messages: [Message], summary: SessionSummary) {
        self.sessionID = sessionID
        self.messages = messages
        self.summary = summary
    }
}

/// The state of one iteration: the process, the output stream and the recorder.
final class RunDriver {
    private enum Phase { case idle, running, finished }

    let runner: ClaudeCodeRunner
    let prompt: String
    let options: RunOptions
    let recorder: RunRecorder
    private var phase = Phase.idle
    private var process: ChildProcess?
    private var stream: MessageStream.AsyncIterator?
    private var messageCount = 0

    init(runner: ClaudeCodeRunner, prompt: String, options: RunOptions) {
        self.runner = runner
        self.prompt = prompt
        self.options = options
        recorder = RunRecorder(store: runner.store, options: options, prompt: prompt)
    }

    deinit {
        // Abandoned mid-stream: do not orphan the process tree.
        if phase == .running, let process {
            let grace = runner.configuration.terminationGracePeriod
            process.terminateDetached(gracePeriod: grace)
            process.closeOutput(after: grace + .seconds(2))
        }
    }

    private var grace: Duration { runner.configuration.terminationGracePeriod }

    func next(isolation: isolated (any Actor)?) async throws(ClaudeCodeError) -> Message? {
        switch phase {
        case .finished: return nil
        case .idle: try start()
        case .running: break
        }
        guard var iterator = stream, let process else { return nil }
        stream = nil  // one owner of the iterator's buffer while it reads (no copy-on-write of it); put back below
        let next: Message?
        do {
            next = try await iterator.next(isolation: isolation)
            stream = iterator
        } catch {
            stream = iterator
            await stop(process)
            switch error {
            case .badLine(let line, let reason):
                throw .invalidOutput(lineNumber: line, reason: reason.description, sessionID: recorder.sessionID)
            case .readFailed(_, let reason):
                throw .readFailed(reason: reason, sessionID: recorder.sessionID)
            }
        }
        guard let message = next else { return try await end(process, isolation: isolation) }
        do { try await recorder.record(message) } catch {
            await stop(process)
            throw .recordingFailed(error, sessionID: recorder.sessionID)
        }
        messageCount += 1
        if Task.isCancelled { throw await cancel(process, isolation: isolation) }
        return message
    }

    private func start() throws(ClaudeCodeError) {
        phase = .finished
        if Task.isCancelled { throw .cancelled(sessionID: nil) }
        let path = try runner.locateExecutable()
        let configuration = runner.configuration
        let child: ChildProcess
        do {
            child = try ChildProcess(
                path: path, arguments: runner.arguments(prompt: prompt, options: options),
                environment: configuration.environment, workingDirectory: configuration.workingDirectory,
                stderrLimit: configuration.stderrTailBytes)
        } catch {
            throw .launchFailed(path: path, errno: error.errno)
        }
        process = child
        stream = MessageStream(fileDescriptor: child.outputDescriptor, configuration: .init(mode: .strict)).makeAsyncIterator()
        phase = .running
    }

    /// Terminates the process after a failure of ours; the run is over.
    private func stop(_ process: ChildProcess, isolation: isolated (any Actor)? = #isolation) async {
        phase = .finished
        await process.terminate(gracePeriod: grace)
        process.closeOutput(after: .seconds(2))
    }

    /// The cancellation path: terminate, keep what was received, report.
    private func cancel(_ process: ChildProcess, isolation: isolated (any Actor)?) async -> ClaudeCodeError {
        await stop(process)
        try? await recorder.finish()
        return .cancelled(sessionID: recorder.sessionID)
    }

    /// The output ended (or the wait was cancelled): wait for the exit status and judge it.
    private func end(_ process: ChildProcess, isolation: isolated (any Actor)?) async throws(ClaudeCodeError) -> Message? {
        if Task.isCancelled { throw await cancel(process, isolation: isolation) }
        var termination = process.termination
        while termination == nil {
            termination = await process.wait(timeout: .milliseconds(100))
            if termination == nil && Task.isCancelled { throw await cancel(process, isolation: isolation) }
        }
        phase = .finished
        process.closeOutput()
        let tail = await process.stderrText(waiting: .seconds(1))
        do { try await recorder.finish() } catch { throw .recordingFailed(error, sessionID: recorder.sessionID) }
        switch termination {
        case .exited(0)?:
            if messageCount == 0 { throw .invalidOutput(lineNumber: 0, reason: "no output", sessionID: nil) }
            return nil
        case .exited(let status)?:
            throw .nonZeroExit(status: status, stderrTail: tail, sessionID: recorder.sessionID)
        case .signaled(let signal)?:
            throw .killed(signal: signal, stderrTail: tail, sessionID: recorder.sessionID)
        case nil:
            return nil
        }
    }
}
