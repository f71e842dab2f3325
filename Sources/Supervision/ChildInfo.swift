/// One child as reported by ``Supervisor/whichChildren()``.
public struct ChildInfo: Sendable, Hashable, CustomStringConvertible {
    /// Where a child is in its life.
    public enum Status: Sendable, Hashable, CustomStringConvertible {
        /// An instance is running.
        case running
        /// No instance: a restart is scheduled (backoff) or being retried.
        case restarting
        /// No instance and none coming: the spec is kept (terminated, or a transient child that
        /// exited normally) until ``Supervisor/restartChild(_:)`` or ``Supervisor/deleteChild(_:)``.
        case stopped

        /// `"running"`, `"restarting"` or `"stopped"`.
        public var description: String {
            switch self {
            case .running: "running"
            case .restarting: "restarting"
            case .stopped: "stopped"
            }
        }
    }

    /// The child's id.
    public var id: String
    /// Worker or supervisor.
    public var kind: ChildSpec.Kind
    /// Its restart type.
    public var restart: RestartType
    /// Running, restarting or stopped.
    public var status: Status

    /// For example `"a worker permanent running"`.
    public var description: String { "\(id) \(kind) \(restart) \(status)" }
}
