/// Which children a supervisor restarts when one of them has to be restarted (OTP's strategies).
///
/// Also reachable as `Supervisor.Strategy`.
public enum Strategy: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Restart only the child that exited.
    case oneForOne
    /// Stop all other children (reverse start order), then restart all of them (start order).
    /// Temporary siblings are stopped and dropped, not restarted.
    case oneForAll
    /// Stop the children started after the exited one (reverse order), then restart the exited
    /// child and those after it (start order). Temporary ones are dropped.
    case restForOne

    /// `"oneForOne"`, `"oneForAll"` or `"restForOne"`.
    public var description: String {
        switch self {
        case .oneForOne: "oneForOne"
        case .oneForAll: "oneForAll"
        case .restForOne: "restForOne"
        }
    }
}

extension Supervisor {
    /// The restart strategy type; see ``Supervision/Strategy``.
    public typealias Strategy = Supervision.Strategy
}
