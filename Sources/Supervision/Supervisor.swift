/// An OTP-style supervisor: starts children in order, restarts them by strategy, stops them in
/// reverse order, and fails when they restart too often.
///
/// A supervisor is itself a ``SupervisedChild``, so trees nest (see
/// ``ChildSpec/supervisor(id:restart:shutdown:start:)``). Each instance runs once: after it has
/// shut down or failed it stays terminated; a parent restarts a subtree by building a new one.
///
/// All state changes go through one mailbox, processed one message at a time, so a restart,
/// a dynamic `startChild` and a shutdown never interleave even though each may suspend.
/// Time (intensity window, backoff, shutdown timeouts, call timeouts) comes from the injected
/// clock.
public actor Supervisor: SupervisedChild {
    enum Phase: Sendable { case idle, starting, running, stopping, terminated }

    struct PendingRestart: Sendable {
        var ids: [String]
        var trigger: String
        var timer: Task<Void, Never>?
        /// A failed restart to retry: it counts toward intensity again.
        var isRetry: Bool
    }

    /// The supervisor's name, used in events and errors.
    public nonisolated let name: String
    /// The restart strategy.
    public nonisolated let strategy: Strategy
    /// The restart intensity.
    public nonisolated let intensity: RestartIntensity
    /// The backoff between a failure and its restart, if any.
    public nonisolated let backoff: Backoff?
    /// Where this supervisor publishes its children's instances for their handles.
    public nonisolated let registry: ChildRegistry

    nonisolated let clock: ErasedClock
    nonisolated let hub = EventHub()
    nonisolated let mailbox: AsyncStream<Message>.Continuation
    nonisolated let inbox: AsyncStream<Message>
    nonisolated let runTasks = TaskCounter()
    nonisolated let timerTasks = TaskCounter()
    nonisolated let terminatedSignal = OneShotSignal()

    var phase = Phase.idle
    var entries: [ChildEntry]
    var window: IntensityWindow
    var loopTask: Task<Void, Never>?
    var nextInstanceID: UInt64 = 0
    var nextToken: UInt64 = 0
    var pending: [UInt64: PendingRestart] = [:]
    var terminationError: SupervisionError?

    /// Creates a supervisor; nothing runs until ``start()`` or ``run()``.
    ///
    /// - Parameters:
    ///   - name: Used in events and errors.
    ///   - strategy: Which children restart together; default `.oneForOne`.
    ///   - intensity: Restarts allowed per sliding window; default 3 in 5 seconds.
    ///   - backoff: Optional delay before restarts; default none (restart at once, as in OTP).
    ///   - clock: The time source for everything time-based; a ``ManualClock`` in tests.
    ///   - registry: Where handles find instances; default a new registry on `clock`. Pass one
    ///     registry to several supervisors to look up a whole tree by name.
    ///   - children: The children, in start order. Ids must be unique.
    public init(
        name: String,
        strategy: Strategy = .oneForOne,
        intensity: RestartIntensity = .default,
        backoff: Backoff? = nil,
        clock: some Clock<Duration> = ContinuousClock(),
        registry: ChildRegistry? = nil,
        children: [ChildSpec]
    ) {
        self.name = name
        self.strategy = strategy
        self.intensity = intensity
        self.backoff = backoff
        let erased = ErasedClock(clock)
        self.clock = erased
        self.registry = registry ?? ChildRegistry(erasedClock: erased)
        (inbox, mailbox) = AsyncStream.makeStream(of: Message.self)
        entries = children.map(ChildEntry.init(spec:))
        window = IntensityWindow(intensity)
    }

    /// Starts all children in order and returns when they all run.
    ///
    /// Each child's start function and ``SupervisedChild/start()`` are awaited before the next
    /// child starts. If one fails, the children already started are stopped in reverse order
    /// (per their shutdown policies), the supervisor fails (event ``SupervisorEvent/failed(supervisor:error:)``)
    /// and this method throws. Calling it on a running supervisor returns at once.
    /// Cancelling the caller does not interrupt the start; call ``shutdown()`` instead.
    /// - Throws: ``SupervisionError/startFailed(child:underlying:)`` with the failing child's id and
    ///   error; ``SupervisionError/duplicateChild(_:supervisor:)``; ``SupervisionError/notRunning(supervisor:)``
    ///   if the supervisor has already terminated.
    public func start() async throws {
        ensureLoop()
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            send(.start(continuation))
        }
    }

    /// Starts the children (if not started yet) and runs until the supervisor terminates.
    ///
    /// This is what a parent supervisor runs. Cancelling the calling task is a shutdown request:
    /// the children are stopped in reverse order and `run()` returns.
    /// - Throws: The start failure, or ``SupervisionError/intensityExceeded(supervisor:maxRestarts:period:)``
    ///   when the supervisor failed: to a parent that is an abnormal exit.
    public func run() async throws {
        if phase == .terminated {
            if let terminationError { throw terminationError }
            return
        }
        try await start()
        try await awaitTermination()
    }

    /// Waits until the supervisor has terminated.
    ///
    /// Cancelling the caller asks the supervisor to shut down (as ``run()`` does).
    /// - Throws: The reason it failed, if it failed; nothing after an orderly shutdown.
    public func awaitTermination() async throws {
        ensureLoop()
        let clock = self.clock
        await withTaskCancellationHandler {
            _ = await terminatedSignal.wait(timeout: nil, clock: clock)
        } onCancel: {
            self.send(.shutdown(nil))
        }
        if let terminationError { throw terminationError }
    }

    /// Stops all children in reverse start order, then terminates the supervisor.
    ///
    /// Each child is stopped per its ``ShutdownPolicy``; a child that overruns its timeout is
    /// reported as killed and abandoned. Pending restarts are cancelled. Ends with the event
    /// ``SupervisorEvent/shutDown(supervisor:)``, after which the event streams finish. Safe to
    /// call more than once and before ``start()``. Waits for any operation in progress first.
    public func shutdown() async {
        ensureLoop()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            send(.shutdown(continuation))
        }
    }

    /// A new subscription to this supervisor's events.
    ///
    /// Every access returns a new, independent, unbounded stream that receives every event
    /// emitted after the access, so any number of subscribers is supported; subscribe before
    /// ``start()`` to see every event. Streams finish when the supervisor terminates; a
    /// subscription made after that is empty. Events are delivered in the order they happened.
    public nonisolated var events: AsyncStream<SupervisorEvent> { hub.subscribe() }

    /// The stable handle of child `id`; usable before the child has started.
    ///
    /// - Parameters:
    ///   - id: The child's id.
    ///   - type: The child's type.
    public nonisolated func handle<C: SupervisedChild>(_ id: String, as type: C.Type = C.self) -> ChildHandle<C> {
        registry.handle(id, as: type)
    }

    /// Counts for leak checks; see ``SupervisorDiagnostics``.
    public nonisolated var diagnostics: SupervisorDiagnostics {
        SupervisorDiagnostics(
            liveChildTasks: runTasks.count,
            pendingTimers: timerTasks.count,
            callWaiters: registry.waiterCount,
            liveCastTasks: registry.liveCastTasks,
            eventSubscribers: hub.subscriberCount)
    }

    func ensureLoop() {
        guard loopTask == nil else { return }
        loopTask = Task { await self.processMailbox() }
    }

    private func processMailbox() async {
        for await message in inbox {
            await process(message)
        }
    }

    nonisolated func send(_ message: Message) {
        if case .terminated = mailbox.yield(message) {
            message.reject(supervisor: name)
        }
    }

    func emit(_ event: SupervisorEvent) {
        hub.emit(event)
    }
}
