/// Per-child restart attempt numbering: pure bookkeeping.
///
/// The attempt number counts restarts of one child since the last reset. With a ``Backoff`` the
/// count resets when the previous restart is at least `resetAfter` old; without one it never
/// resets, so it is the number of restarts of that child by this supervisor instance.
struct RestartHistory: Sendable, Hashable {
    private(set) var attempt = 0
    private(set) var lastRestart: Duration?

    /// Counts one more restart at `now` and returns its attempt number (1-based).
    mutating func next(at now: Duration, resetAfter: Duration?) -> Int {
        if let resetAfter, let last = lastRestart, now - last >= resetAfter {
            attempt = 0
        }
        attempt += 1
        lastRestart = now
        return attempt
    }
}
