import Synchronization

/// The shared, untyped state behind every ``ChildHandle`` of one name: the current instance,
/// the callers waiting for one, and the cast queue of the current instance.
final class HandleCore: Sendable {
    private struct Waiter {
        var continuation: CheckedContinuation<PublishedInstance, any Error>
        var timer: Task<Void, Never>?

        /// Ends the wait (call once, after removing the waiter from the state) and its timer.
        func finish(_ result: Result<PublishedInstance, any Error>) {
            timer?.cancel()
            continuation.resume(with: result)
        }
    }

    private struct State {
        var current: PublishedInstance?
        var queue: CastQueue?
        var nextID: UInt64 = 0
        var waiters: [UInt64: Waiter] = [:]
        /// Why no instance will be published any more (``retire(_:)``); cleared by a publish.
        var retired: (any Error)?
    }

    let id: String
    private let clock: ErasedClock
    private let castTasks: TaskCounter
    private let state = Mutex(State())

    init(id: String, clock: ErasedClock, castTasks: TaskCounter) {
        self.id = id
        self.clock = clock
        self.castTasks = castTasks
    }

    var current: PublishedInstance? { state.withLock { $0.current } }

    var waiterCount: Int { state.withLock { $0.waiters.count } }

    /// Makes `instance` current and hands it to every waiting caller.
    func publish(_ instance: PublishedInstance) {
        let (oldQueue, waiters) = state.withLock { state -> (CastQueue?, [Waiter]) in
            let old = state.queue
            state.queue = nil
            state.current = instance
            state.retired = nil
            defer { state.waiters = [:] }
            return (old, Array(state.waiters.values))
        }
        oldQueue?.close()
        for waiter in waiters { waiter.finish(.success(instance)) }
    }

    /// Forgets the instance `instanceID` if it is still current; drops its pending casts.
    func unpublish(_ instanceID: UInt64) {
        let queue = state.withLock { state -> CastQueue? in
            guard state.current?.instanceID == instanceID else { return nil }
            state.current = nil
            defer { state.queue = nil }
            return state.queue
        }
        queue?.close()
    }

    /// Fails every waiting caller with `error`, and every later wait that finds no instance,
    /// until an instance is published again.
    func retire(_ error: any Error) {
        let waiters = state.withLock { state -> [Waiter] in
            state.retired = error
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.finish(.failure(error)) }
    }

    /// Queues `job` for the current instance. Returns `false` if there is none.
    func cast(_ job: @escaping CastQueue.Job) -> Bool {
        let queue = state.withLock { state -> CastQueue? in
            guard let current = state.current else { return nil }
            if let queue = state.queue { return queue }
            let queue = CastQueue(instance: current, counter: castTasks)
            state.queue = queue
            return queue
        }
        queue?.enqueue(job)
        return queue != nil
    }

    /// Returns the current instance, waiting up to `timeout` for one to be published. With
    /// `stale`, an instance that is that object does not count: the wait lasts until the
    /// supervisor publishes another (its replacement).
    ///
    /// - Throws: ``SupervisionError/callTimeout(child:timeout:)`` when none appears in time;
    ///   the error given to ``retire(_:)`` when retired; `CancellationError` if the calling task
    ///   is cancelled while waiting.
    func waitForInstance(timeout: Duration, skipping stale: ObjectIdentifier? = nil) async throws -> PublishedInstance {
        func usable(_ instance: PublishedInstance?) -> PublishedInstance? {
            guard let instance else { return nil }
            return stale.map { ObjectIdentifier(instance.child as AnyObject) == $0 } == true ? nil : instance
        }
        if let current = usable(current) { return current }
        let waiterID = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<PublishedInstance, any Error>) in
                enum Outcome { case ready(PublishedInstance), failed(any Error), registered }
                let outcome = state.withLock { state -> Outcome in
                    if let current = usable(state.current) { return .ready(current) }
                    if let retired = state.retired { return .failed(retired) }
                    if Task.isCancelled { return .failed(CancellationError()) }
                    state.waiters[waiterID] = Waiter(continuation: continuation, timer: nil)
                    return .registered
                }
                switch outcome {
                case .ready(let instance):
                    continuation.resume(returning: instance)
                case .failed(let error):
                    continuation.resume(throwing: error)
                case .registered:
                    let timer = clock.after(timeout) { [self] in self.expire(waiterID, timeout: timeout) }
                    let waiting = state.withLock { state -> Bool in
                        guard state.waiters[waiterID] != nil else { return false }
                        state.waiters[waiterID]?.timer = timer
                        return true
                    }
                    if !waiting { timer.cancel() }
                }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: waiterID) }
            waiter?.finish(.failure(CancellationError()))
        }
    }

    private func expire(_ waiterID: UInt64, timeout: Duration) {
        let waiter = state.withLock { $0.waiters.removeValue(forKey: waiterID) }
        waiter?.continuation.resume(throwing: SupervisionError.callTimeout(child: id, timeout: timeout))
    }
}
