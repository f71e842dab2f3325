/// Counts a supervisor exposes so that tests and operators can check for leaks.
public struct SupervisorDiagnostics: Sendable, Hashable {
    /// Tasks running a child's `run()` that have not ended, abandoned (killed) ones included.
    public var liveChildTasks: Int
    /// Backoff and retry timers pending.
    public var pendingTimers: Int
    /// Callers waiting in ``ChildHandle/call(timeout:_:)`` (over the whole registry).
    public var callWaiters: Int
    /// Cast-queue tasks alive (over the whole registry).
    public var liveCastTasks: Int
    /// Subscribers to ``Supervisor/events``.
    public var eventSubscribers: Int
}
