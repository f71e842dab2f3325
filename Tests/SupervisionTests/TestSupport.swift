import Synchronization
import Testing
@testable import Supervision

/// The error test children crash with.
struct Boom: Error, CustomStringConvertible {
    var description: String { "boom" }
}

/// What a test tells a ``Probe`` to do.
enum Command: Sendable {
    case exitNormally
    case crash
    case exitShutdown
}

/// Routes commands to the newest instance of each probe, and numbers instances per id.
final class Switchboard: Sendable {
    private struct State {
        var lines: [String: AsyncStream<Command>.Continuation] = [:]
        var instances: [String: Int] = [:]
    }

    private let state = Mutex(State())

    /// Registers a new instance of `id`; returns its number (1-based) and its command stream.
    func register(_ id: String) -> (Int, AsyncStream<Command>) {
        let (stream, continuation) = AsyncStream.makeStream(of: Command.self)
        let number = state.withLock { state -> Int in
            state.lines[id] = continuation
            state.instances[id, default: 0] += 1
            return state.instances[id]!
        }
        return (number, stream)
    }

    func send(_ command: Command, to id: String) {
        let line = state.withLock { $0.lines[id] }
        line?.yield(command)
    }

    func instances(of id: String) -> Int {
        state.withLock { $0.instances[id, default: 0] }
    }
}

/// A well-behaved child: runs until told to exit, or until cancelled.
actor Probe: SupervisedChild {
    nonisolated let id: String
    nonisolated let number: Int
    private let commands: AsyncStream<Command>
    private var log: [String] = []

    init(id: String, board: Switchboard) {
        self.id = id
        (number, commands) = board.register(id)
    }

    func run() async throws {
        for await command in commands {
            switch command {
            case .exitNormally: return
            case .crash: throw Boom()
            case .exitShutdown: throw CancellationError()
            }
        }
    }

    func append(_ entry: String) { log.append(entry) }
    func entries() -> [String] { log }
}

/// A child that ignores cancellation until its gate opens.
actor Stubborn: SupervisedChild {
    let gate: Gate
    init(gate: Gate) { self.gate = gate }
    func run() async throws { await gate.wait() }
}

/// A latch that can be awaited and opened once, ignoring cancellation.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let open = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if open { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }
}

/// Suspends until the calling task is cancelled (an idle child's `run()`): no spinning, no timer.
func idleUntilCancelled() async {
    let (stream, continuation) = AsyncStream<Never>.makeStream()
    for await _ in stream {}  // an AsyncStream's iteration ends when its task is cancelled
    continuation.finish()
}

func probe(
    _ id: String, _ board: Switchboard, restart: RestartType = .permanent,
    shutdown: ShutdownPolicy = .workerDefault
) -> ChildSpec {
    .worker(id: id, restart: restart, shutdown: shutdown) { Probe(id: id, board: board) }
}

/// Reads a supervisor's events in order.
struct EventReader {
    private var iterator: AsyncStream<SupervisorEvent>.Iterator

    init(_ stream: AsyncStream<SupervisorEvent>) {
        iterator = stream.makeAsyncIterator()
    }

    /// The next `count` events as descriptions (fewer if the stream ends).
    mutating func take(_ count: Int) async -> [String] {
        var result: [String] = []
        while result.count < count, let event = await iterator.next() {
            result.append(event.description)
        }
        return result
    }

    /// Events up to and including the first whose description starts with `prefix`.
    mutating func until(_ prefix: String) async -> [String] {
        var result: [String] = []
        while let event = await iterator.next() {
            result.append(event.description)
            if event.description.hasPrefix(prefix) { break }
        }
        return result
    }

    /// All remaining events, until the stream finishes.
    mutating func rest() async -> [String] {
        var result: [String] = []
        while let event = await iterator.next() { result.append(event.description) }
        return result
    }
}
