import Synchronization

/// Looks children up by name: the home of their stable ``ChildHandle``s (Elixir's `Registry`).
///
/// Every supervisor has one (``Supervisor/registry``). Supervisors in one tree may share a
/// registry by passing it to each initialiser; names must then be unique across the tree (a
/// second child with the same name would replace the first one's instance in the handle).
/// Names are remembered for the registry's lifetime, so memory grows with distinct names, not
/// with restarts.
public final class ChildRegistry: Sendable {
    let clock: ErasedClock
    let castTasks = TaskCounter()
    private let cores = Mutex<[String: HandleCore]>([:])

    /// Creates an empty registry.
    ///
    /// - Parameter clock: Measures call timeouts; use the supervisors' clock (a ``ManualClock``
    ///   in tests).
    public init(clock: some Clock<Duration> = ContinuousClock()) {
        self.clock = ErasedClock(clock)
    }

    init(erasedClock: ErasedClock) {
        self.clock = erasedClock
    }

    /// The handle for `id`, created if needed; usable before the child has started.
    ///
    /// - Parameters:
    ///   - id: The child's id.
    ///   - type: The child's type; calls fail with a type mismatch if the instance is another type.
    public func handle<C: SupervisedChild>(_ id: String, as type: C.Type = C.self) -> ChildHandle<C> {
        ChildHandle(id: id, core: core(id))
    }

    /// The running instance named `id`, if any.
    public func instance(named id: String) -> (any SupervisedChild)? {
        cores.withLock { $0[id] }?.current?.child
    }

    /// The names that have a running instance now, sorted.
    public var runningNames: [String] {
        cores.withLock { Array($0.values) }.filter { $0.current != nil }.map(\.id).sorted()
    }

    /// Callers waiting for an instance, over all names (for leak checks).
    public var waiterCount: Int {
        cores.withLock { Array($0.values) }.reduce(0) { $0 + $1.waiterCount }
    }

    /// Live cast-queue tasks, over all names (for leak checks).
    public var liveCastTasks: Int { castTasks.count }

    func core(_ id: String) -> HandleCore {
        cores.withLock { cores in
            if let core = cores[id] { return core }
            let core = HandleCore(id: id, clock: clock, castTasks: castTasks)
            cores[id] = core
            return core
        }
    }
}
