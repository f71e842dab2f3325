/// How to start one child, and what to do when it exits.
///
/// Build specs with ``worker(id:restart:shutdown:start:)`` or
/// ``supervisor(id:restart:shutdown:start:)``.
public struct ChildSpec: Sendable {
    /// Whether the child is a plain worker or a nested supervisor.
    public enum Kind: Sendable, Hashable, CustomStringConvertible {
        /// A plain worker.
        case worker
        /// A nested ``Supervisor``.
        case supervisor

        /// `"worker"` or `"supervisor"`.
        public var description: String { self == .worker ? "worker" : "supervisor" }
    }

    /// The child's name: unique among its supervisor's children, and the name its
    /// ``ChildHandle`` is looked up by in the ``ChildRegistry``.
    public let id: String
    /// When the child is restarted.
    public let restart: RestartType
    /// How the child is stopped.
    public let shutdown: ShutdownPolicy
    /// Worker or supervisor.
    public let kind: Kind
    /// Builds a new instance; called on the first start and on every restart.
    let makeChild: @Sendable () async throws -> any SupervisedChild

    /// A spec for a worker.
    ///
    /// - Parameters:
    ///   - id: The child's unique name.
    ///   - restart: The restart type; default `.permanent`.
    ///   - shutdown: The shutdown policy; default 5 seconds.
    ///   - start: Builds a new instance. Throwing is a start failure (at start) or a failed
    ///     restart (retried, counted toward intensity).
    public static func worker<C: SupervisedChild>(
        id: String,
        restart: RestartType = .permanent,
        shutdown: ShutdownPolicy = .workerDefault,
        start: @escaping @Sendable () async throws -> C
    ) -> ChildSpec {
        ChildSpec(id: id, restart: restart, shutdown: shutdown, kind: .worker, makeChild: { try await start() })
    }

    /// A spec for a nested supervisor.
    ///
    /// The function must return a new, not yet started ``Supervisor``; the parent starts it and
    /// waits until all of its children run before starting its own next child.
    /// - Parameters:
    ///   - id: The child's unique name.
    ///   - restart: The restart type; default `.permanent`.
    ///   - shutdown: The shutdown policy; default `.infinity`, so subtrees stop completely.
    ///   - start: Builds a new supervisor.
    public static func supervisor(
        id: String,
        restart: RestartType = .permanent,
        shutdown: ShutdownPolicy = .infinity,
        start: @escaping @Sendable () async throws -> Supervisor
    ) -> ChildSpec {
        ChildSpec(id: id, restart: restart, shutdown: shutdown, kind: .supervisor, makeChild: { try await start() })
    }
}
