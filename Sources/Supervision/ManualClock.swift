import Synchronization

/// A clock whose time moves only when you call ``advance(by:)``: for deterministic tests.
///
/// Sleepers wake, in deadline order, when the clock is advanced to or past their deadline. Tests
/// synchronise with ``waitForSleepers(count:)`` (suspends until that many sleeps are pending)
/// instead of sleeping in real time. Sleeping is cancellable: a cancelled sleeper is removed and
/// throws `CancellationError`.
public final class ManualClock: Clock, Sendable {
    /// A point in manual time: an offset from the clock's zero.
    public struct Instant: InstantProtocol, Sendable, Hashable, Comparable, CustomStringConvertible {
        /// The offset from zero.
        public var offset: Duration

        /// Creates an instant at `offset` from zero.
        public init(offset: Duration) { self.offset = offset }

        /// The instant `duration` later.
        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }

        /// The duration from this instant to `other`.
        public func duration(to other: Instant) -> Duration { other.offset - offset }

        /// Orders instants by offset.
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }

        /// For example `"@5.0 seconds"`.
        public var description: String { "@\(offset)" }
    }

    private struct Sleeper {
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct Watcher {
        var count: Int
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var now: Instant
        var nextID: UInt64 = 0
        var sleepers: [UInt64: Sleeper] = [:]
        var watchers: [Watcher] = []

        mutating func readyWatchers() -> [CheckedContinuation<Void, Never>] {
            let count = sleepers.count
            let ready = watchers.filter { $0.count <= count }.map(\.continuation)
            watchers.removeAll { $0.count <= count }
            return ready
        }
    }

    private let state: Mutex<State>

    /// Creates a clock reading `now` (default zero).
    public init(now: Instant = Instant(offset: .zero)) {
        state = Mutex(State(now: now))
    }

    /// The current manual time.
    public var now: Instant { state.withLock { $0.now } }

    /// Zero: manual time has no resolution limit.
    public var minimumResolution: Duration { .zero }

    /// The number of sleeps currently pending.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// The earliest pending deadline, if any sleep is pending.
    public var nextDeadline: Instant? { state.withLock { $0.sleepers.values.map(\.deadline).min() } }

    /// Suspends until `deadline` has been reached by ``advance(by:)`` or ``advance(to:)``.
    ///
    /// Returns at once if the deadline is not in the future.
    /// - Throws: `CancellationError` if the task is cancelled before or while sleeping.
    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try Task.checkCancellation()
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                enum Outcome { case due, cancelled, registered([CheckedContinuation<Void, Never>]) }
                let outcome = state.withLock { state -> Outcome in
                    if deadline <= state.now { return .due }
                    if Task.isCancelled { return .cancelled }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return .registered(state.readyWatchers())
                }
                switch outcome {
                case .due: continuation.resume()
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .registered(let ready): ready.forEach { $0.resume() }
                }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward by `duration` and wakes every sleeper whose deadline has been reached,
    /// earliest first.
    public func advance(by duration: Duration) {
        advance { $0.advanced(by: duration) }  // the target is read from `now` under the lock: concurrent advances add up
    }

    /// Moves time forward to `instant` (never backward) and wakes the sleepers that are due.
    public func advance(to instant: Instant) {
        advance { _ in instant }
    }

    private func advance(_ target: (Instant) -> Instant) {
        let due = state.withLock { state -> [Sleeper] in
            let instant = target(state.now)
            if instant > state.now { state.now = instant }
            let now = state.now
            let due = state.sleepers.filter { $0.value.deadline <= now }
            for key in due.keys { state.sleepers.removeValue(forKey: key) }
            return due.values.sorted { $0.deadline < $1.deadline }
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Suspends until at least `count` sleeps are pending on this clock.
    ///
    /// This is how a test knows that the code under test has reached its sleep (a timeout, a
    /// backoff delay) before it advances time. Not cancellable: use it only where the sleeps
    /// are certain to come.
    public func waitForSleepers(count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.sleepers.count >= count { return true }
                state.watchers.append(Watcher(count: count, continuation: continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }
}
