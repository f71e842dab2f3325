/// An optional exponential delay between a child's failure and its restart (beyond OTP; as in
/// Akka's `restartWithBackoff`).
///
/// The delay before restart attempt `n` (1-based) is
/// `min(maximum, initial × multiplier^(n-1)) × (1 + jitter × r)`, capped again at `maximum`,
/// where `r` is drawn from `random` in `0..<1`. The attempt count resets to zero when a child has
/// gone ``resetAfter`` without needing a restart. While a restart is pending the child's handle
/// has no instance, so calls wait (within their timeout) for the new one. Delays are measured on
/// the supervisor's clock.
///
/// Backoff does not change intensity: each restart still counts toward ``RestartIntensity``.
public struct Backoff: Sendable {
    /// The delay before the first restart.
    public var initial: Duration
    /// The factor applied for each further attempt (values below 1 are treated as 1).
    public var multiplier: Double
    /// The cap on any single delay, jitter included.
    public var maximum: Duration
    /// The fraction of the delay added at random, `0` (none, the default) to `1` (up to double).
    public var jitter: Double
    /// After this long without a restart, the attempt count starts again from 1.
    public var resetAfter: Duration
    /// The random source for jitter, returning values in `0..<1`. Tests can make it constant.
    public var random: @Sendable () -> Double

    /// Creates a backoff.
    ///
    /// - Parameters:
    ///   - initial: The delay before the first restart.
    ///   - multiplier: Growth per attempt; default 2.
    ///   - maximum: The cap on one delay.
    ///   - jitter: Random fraction added, clamped to `0...1`; default 0.
    ///   - resetAfter: The quiet period after which attempts count from 1 again.
    ///   - random: The source of jitter in `0..<1`; default `Double.random(in: 0..<1)`.
    public init(
        initial: Duration,
        multiplier: Double = 2,
        maximum: Duration,
        jitter: Double = 0,
        resetAfter: Duration,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.initial = initial
        self.multiplier = max(1, multiplier)
        self.maximum = maximum
        self.jitter = min(1, max(0, jitter))
        self.resetAfter = resetAfter
        self.random = random
    }

    /// An exponential backoff; the same as ``init(initial:multiplier:maximum:jitter:resetAfter:random:)``.
    public static func exponential(
        initial: Duration,
        multiplier: Double = 2,
        maximum: Duration,
        jitter: Double = 0,
        resetAfter: Duration
    ) -> Backoff {
        Backoff(initial: initial, multiplier: multiplier, maximum: maximum, jitter: jitter, resetAfter: resetAfter)
    }

    /// The delay before restart attempt `attempt` (1-based; values below 1 are treated as 1).
    ///
    /// - Parameter attempt: The attempt number since the last reset.
    /// - Returns: The delay, never more than ``maximum``.
    public func delay(forAttempt attempt: Int) -> Duration {
        let exponent = Double(max(1, attempt) - 1)
        let base = seconds(initial) * pow(multiplier, exponent)
        let capped = min(seconds(maximum), base)
        let jittered = capped * (1 + jitter * min(1, max(0, random())))
        return min(maximum, Self.duration(fromSeconds: jittered))
    }

    private func seconds(_ d: Duration) -> Double {
        let c = d.components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }

    private static func duration(fromSeconds s: Double) -> Duration {
        guard s.isFinite, s < 9.0e9 else { return .seconds(9_000_000_000) }
        // Round to whole nanoseconds so that sequences are exact.
        return .nanoseconds(Int64((s * 1e9).rounded()))
    }

    // A tiny `pow` so the module needs no libm import.
    private func pow(_ base: Double, _ exponent: Double) -> Double {
        var result = 1.0
        var n = Int(exponent)
        while n > 0 { result *= base; n -= 1; if result > 1e18 { break } }
        return result
    }
}
