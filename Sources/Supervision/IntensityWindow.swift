/// The sliding window behind ``RestartIntensity``: pure bookkeeping, no clock of its own.
///
/// Times are offsets (`Duration`) on the supervisor's clock. A restart at time `t` is still in the
/// window at `now` while `now - t <= period` (OTP's rule), so restarts spaced more than `period`
/// apart never trip it. Memory is bounded: at most `maxRestarts + 1` times are kept.
struct IntensityWindow: Sendable {
    let intensity: RestartIntensity
    private(set) var times: [Duration] = []

    init(_ intensity: RestartIntensity) {
        self.intensity = intensity
    }

    /// Records one restart at `now`.
    ///
    /// - Returns: `true` if the restart is allowed, `false` if it is one too many.
    mutating func recordRestart(at now: Duration) -> Bool {
        let period = intensity.period
        times.removeAll { now - $0 > period }
        times.append(now)
        if times.count > intensity.maxRestarts + 1 {
            times.removeFirst(times.count - intensity.maxRestarts - 1)
        }
        return times.count <= intensity.maxRestarts
    }

    /// Restarts currently inside the window (as of the last call to ``recordRestart(at:)``).
    var count: Int { times.count }
}
