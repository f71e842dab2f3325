import Synchronization

/// A flag that is raised once and can be awaited, optionally with a timeout.
final class OneShotSignal: Sendable {
    private struct State {
        var fired = false
        var nextID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Bool, Never>] = [:]
    }

    private let state = Mutex(State())

    var isFired: Bool { state.withLock { $0.fired } }

    /// Raises the flag and wakes every waiter. Later calls do nothing.
    func fire() {
        let waiters = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            guard !state.fired else { return [] }
            state.fired = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: true) }
    }

    /// Waits until the flag is raised (`true`) or `timeout` has passed on `clock` (`false`).
    /// A `nil` timeout waits for as long as it takes. Not cancellable.
    func wait(timeout: Duration?, clock: ErasedClock) async -> Bool {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        var timer: Task<Void, Never>?
        let fired = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let registered = state.withLock { state -> Bool in
                if state.fired { return false }
                state.waiters[id] = continuation
                return true
            }
            guard registered else {
                continuation.resume(returning: true)
                return
            }
            if let timeout {
                timer = clock.after(timeout) { [self] in self.expire(id) }
            }
        }
        timer?.cancel()
        return fired
    }

    private func expire(_ id: UInt64) {
        let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
        waiter?.resume(returning: false)
    }
}
