/// The most restarts a supervisor allows within a sliding window of time.
///
/// One restart more than ``maxRestarts`` within any window of length ``period`` makes the
/// supervisor stop all its children (in reverse start order) and fail with
/// ``SupervisionError/intensityExceeded(supervisor:maxRestarts:period:)``. A parent supervisor sees
/// that as an abnormal exit of its child, so the failure climbs the tree.
public struct RestartIntensity: Sendable, Hashable, CustomStringConvertible {
    /// The number of restarts allowed within ``period``. `0` means the first failure that calls
    /// for a restart takes the supervisor down.
    public var maxRestarts: Int
    /// The length of the sliding window, measured on the supervisor's clock.
    public var period: Duration

    /// Creates an intensity.
    ///
    /// - Parameters:
    ///   - maxRestarts: Restarts allowed within `period`; negative values are treated as `0`.
    ///   - period: The window length.
    public init(maxRestarts: Int, period: Duration) {
        self.maxRestarts = max(0, maxRestarts)
        self.period = period
    }

    /// Elixir's default: 3 restarts in 5 seconds.
    public static let `default` = RestartIntensity(maxRestarts: 3, period: .seconds(5))

    /// For example `"3 in 5.0 seconds"`.
    public var description: String { "\(maxRestarts) in \(period)" }
}
