/// Something a ``Supervisor`` can run, stop and restart: usually an actor.
///
/// A child's life, as the supervisor sees it:
/// 1. The spec's start function builds a **new instance** (also on every restart; state worth
///    keeping must be re-read from storage by that function or by ``start()``).
/// 2. ``start()`` is awaited. Throwing here is a *start failure*. The supervisor does not start
///    the next child until it returns.
/// 3. ``run()`` runs in a task the supervisor owns. How it ends is the exit:
///    - returning is a **normal exit**;
///    - throwing any error but `CancellationError` is an **abnormal exit** (a crash);
///    - ending after the supervisor asked it to stop (its task was cancelled), or throwing
///      `CancellationError`, is a **shutdown** exit.
/// 4. To stop it, the supervisor awaits ``willShutdown()``, then cancels the task running
///    ``run()`` and waits according to the spec's ``ShutdownPolicy``.
///
/// A Swift trap (`fatalError`, overflow, unwrapping `nil`) ends the whole process and cannot be
/// supervised: a child that detects bad state should make `run()` throw instead.
public protocol SupervisedChild: Sendable {
    /// Finishes starting the instance before the supervisor moves on to the next child.
    ///
    /// The default does nothing. ``Supervisor`` implements it by starting all its children, which
    /// is what makes a nested supervisor's start complete before its parent's next child starts.
    /// - Throws: Any error; the supervisor treats it as a start failure of this child.
    func start() async throws

    /// The child's long-running work.
    ///
    /// Cancellation is how the supervisor asks the child to stop: check `Task.isCancelled`, use
    /// cancellable awaits, and return (or throw `CancellationError`) promptly. A child that
    /// ignores cancellation is abandoned after its shutdown timeout.
    /// - Throws: Any error: an abnormal exit. `CancellationError`: a shutdown exit.
    func run() async throws

    /// Called when the supervisor asks the child to stop, before its task is cancelled.
    ///
    /// The default does nothing. The time spent here counts toward the shutdown timeout. Not
    /// called for ``ShutdownPolicy/brutalKill`` or when a cast crashed the instance.
    func willShutdown() async
}

extension SupervisedChild {
    /// Does nothing.
    public func start() async throws {}

    /// Does nothing.
    public func willShutdown() async {}
}
