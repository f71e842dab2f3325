/// When a supervisor restarts a child after it exits.
///
/// These are OTP's restart types. The exit kinds they look at are described by ``ExitKind``.
public enum RestartType: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Always restarted, whatever the exit (normal, abnormal or shutdown).
    case permanent
    /// Restarted only after an abnormal exit (`run()` threw). A normal exit or a shutdown exit
    /// leaves the child stopped; its spec is kept so ``Supervisor/restartChild(_:)`` can start it again.
    case transient
    /// Never restarted, not even when a sibling's failure takes it down under `oneForAll` or
    /// `restForOne`. Its spec is dropped as soon as it stops.
    case temporary

    /// Whether a child of this type is restarted after an exit of the given kind.
    ///
    /// - Parameter exit: How the child's `run()` ended.
    /// - Returns: `true` if OTP would restart the child.
    public func restarts(after exit: ExitKind) -> Bool {
        switch self {
        case .permanent: true
        case .transient: exit == .abnormal
        case .temporary: false
        }
    }

    /// The name used in events and documentation (`"permanent"`, ...).
    public var description: String {
        switch self {
        case .permanent: "permanent"
        case .transient: "transient"
        case .temporary: "temporary"
        }
    }
}
