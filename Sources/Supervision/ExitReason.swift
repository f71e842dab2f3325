/// Why a child stopped, as reported in ``SupervisorEvent/childExited(id:reason:)``.
public enum ExitReason: Sendable, CustomStringConvertible {
    /// `run()` returned without being asked to stop.
    case normal
    /// `run()` threw this error (or a cast body threw it): a crash.
    case abnormal(any Error)
    /// The child ended after being asked to stop, or threw `CancellationError`.
    case shutdown
    /// The supervisor stopped waiting for the child: its shutdown timeout expired or its policy is
    /// ``ShutdownPolicy/brutalKill``. The task was cancelled but may still be running.
    case killed

    /// The kind used for restart decisions. ``killed`` counts as ``ExitKind/shutdown``.
    public var kind: ExitKind {
        switch self {
        case .normal: .normal
        case .abnormal: .abnormal
        case .shutdown, .killed: .shutdown
        }
    }

    /// The error for an abnormal exit, `nil` otherwise.
    public var error: (any Error)? {
        if case .abnormal(let error) = self { return error }
        return nil
    }

    /// `"normal"`, `"abnormal(<error>)"`, `"shutdown"` or `"killed"`.
    public var description: String {
        switch self {
        case .normal: "normal"
        case .abnormal(let error): "abnormal(\(error))"
        case .shutdown: "shutdown"
        case .killed: "killed"
        }
    }
}
