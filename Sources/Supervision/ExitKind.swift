/// The three ways a child's `run()` can end, as far as restart decisions are concerned.
///
/// See ``ExitReason`` for the full reason carried in events.
public enum ExitKind: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// `run()` returned.
    case normal
    /// `run()` threw an error other than `CancellationError`, or a ``ChildHandle/cast(_:)`` body threw.
    case abnormal
    /// The child ended because it was asked to stop (its task was cancelled), or it threw
    /// `CancellationError` on its own (the equivalent of OTP's `exit(shutdown)`).
    case shutdown

    /// `"normal"`, `"abnormal"` or `"shutdown"`.
    public var description: String {
        switch self {
        case .normal: "normal"
        case .abnormal: "abnormal"
        case .shutdown: "shutdown"
        }
    }
}
