/// One child as its supervisor tracks it (internal, mutated only by the supervisor's mailbox loop).
struct ChildEntry: Sendable {
    /// A running instance and the task running its `run()`.
    struct Instance: Sendable {
        let child: any SupervisedChild
        let instanceID: UInt64
        let task: Task<Void, Never>
        /// Raised when `run()` has ended.
        let ended: OneShotSignal
    }

    var spec: ChildSpec
    var instance: Instance?
    /// Set while a restart is scheduled (backoff) or about to be retried.
    var pendingToken: UInt64?
    var history = RestartHistory()

    init(spec: ChildSpec) {
        self.spec = spec
    }

    var isActive: Bool { instance != nil || pendingToken != nil }

    var info: ChildInfo {
        ChildInfo(
            id: spec.id, kind: spec.kind, restart: spec.restart,
            status: instance != nil ? .running : (pendingToken != nil ? .restarting : .stopped))
    }
}
