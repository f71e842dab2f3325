import Supervision

/// The periodic cleanup child: every ``SessionStore/CleanupPolicy/interval`` it asks the store
/// actor, through its handle, to delete sessions older than the policy's age.
///
/// Time comes from the configured clock, so tests drive it with a ``ManualClock``. A failed
/// cleanup makes `run()` throw: under the tree's `restForOne` strategy only this child restarts.
actor CleanupWorker: SupervisedChild {
    let store: ChildHandle<SessionStoreActor>
    let policy: SessionStore.CleanupPolicy
    let clock: any Clock<Duration>
    let onCleanup: (@Sendable (CleanupReport) -> Void)?

    init(store: ChildHandle<SessionStoreActor>, policy: SessionStore.CleanupPolicy, clock: any Clock<Duration>,
         onCleanup: (@Sendable (CleanupReport) -> Void)?) {
        self.store = store
        self.policy = policy
        self.clock = clock
        self.onCleanup = onCleanup
    }

    /// Sleeps an interval, cleans up, repeats; ends (as a shutdown) when cancelled.
    func run() async throws {
        while !Task.isCancelled {
            try await clock.sleep(for: policy.interval)
            let policy = self.policy
            let report = try await store.call { try await $0.cleanupOldSessions(maxAge: policy.maxAge, dryRun: policy.dryRun) }
            onCleanup?(report)
        }
    }
}
