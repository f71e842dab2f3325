/// How a supervisor stops one child.
///
/// Swift cannot kill a task: the supervisor can only *ask* a child to stop by calling
/// ``SupervisedChild/willShutdown()`` and cancelling the task that runs ``SupervisedChild/run()``.
/// The policy says how long it then waits for `run()` to end.
public enum ShutdownPolicy: Sendable, Hashable, CustomStringConvertible {
    /// Ask the child to stop, wait at most this long (measured on the supervisor's clock), then
    /// stop waiting: the child is reported as ``ExitReason/killed`` and abandoned. An abandoned
    /// task keeps running until it notices cancellation; nothing can force it to end.
    case timeout(Duration)
    /// Cancel the child's task and do not wait at all. The child is reported as
    /// ``ExitReason/killed`` immediately. ``SupervisedChild/willShutdown()`` is not called.
    case brutalKill
    /// Ask the child to stop and wait for as long as it takes. The default for supervisors, so that
    /// a subtree always shuts down completely.
    case infinity

    /// The worker default: `.timeout(.seconds(5))`, as in OTP.
    public static let workerDefault = ShutdownPolicy.timeout(.seconds(5))

    /// A readable form, for example `"timeout(5.0 seconds)"`.
    public var description: String {
        switch self {
        case .timeout(let d): "timeout(\(d))"
        case .brutalKill: "brutalKill"
        case .infinity: "infinity"
        }
    }
}
