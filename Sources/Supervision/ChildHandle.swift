/// A stable, named reference to a supervised child that survives restarts (GenServer-style).
///
/// Hold a handle, never the instance: a restart replaces the instance, the handle follows.
/// Get one from ``Supervisor/handle(_:as:)`` or ``ChildRegistry/handle(_:as:)``, before or after
/// the child has started. All handles of one name in one registry share their state.
public final class ChildHandle<C: SupervisedChild>: Sendable {
    /// The child's id (its name in the registry).
    public let id: String
    let core: HandleCore

    init(id: String, core: HandleCore) {
        self.id = id
        self.core = core
    }

    /// The running instance, if there is one and it is a `C`.
    public var instance: C? { core.current?.child as? C }

    /// Whether an instance is running now.
    public var isRunning: Bool { core.current != nil }

    /// Runs `body` against the running instance, waiting for one if the child is (re)starting.
    ///
    /// The timeout bounds the wait for a running instance (GenServer's default is 5 seconds);
    /// once an instance is found, `body` runs to completion in the caller's task, so cancel the
    /// caller to abandon a slow body. An error thrown by `body` is rethrown to the caller and does
    /// **not** crash the child. Calls are not queued behind casts; actor children serialise them.
    /// - Parameters:
    ///   - timeout: How long to wait for a running instance, on the registry's clock.
    ///   - body: The request, typically a call to one of the actor's methods.
    /// - Returns: What `body` returns.
    /// - Throws: ``SupervisionError/callTimeout(child:timeout:)`` if no instance runs within
    ///   `timeout`; ``SupervisionError/typeMismatch(child:expected:actual:)`` if the instance is not
    ///   a `C`; `CancellationError` if the caller is cancelled while waiting; whatever `body` throws.
    public func call<R: Sendable>(
        timeout: Duration = .seconds(5),
        _ body: @Sendable (C) async throws -> R
    ) async throws -> R {
        try await run(body, on: try await core.waitForInstance(timeout: timeout))
    }

    private func run<R: Sendable>(_ body: @Sendable (C) async throws -> R, on published: PublishedInstance) async throws -> R {
        guard let child = published.child as? C else {
            throw SupervisionError.typeMismatch(
                child: id, expected: String(describing: C.self), actual: String(describing: type(of: published.child)))
        }
        return try await body(child)
    }

    /// Sends `body` to the running instance without waiting (fire and forget).
    ///
    /// Casts to one instance run one at a time, in the order they were sent. If `body` throws,
    /// the instance has crashed, as in OTP: the supervisor stops it (cancelling its task, waiting
    /// per its shutdown policy), reports an abnormal exit with that error, and applies its
    /// strategy; queued casts are dropped. If no instance is running, or the instance is not a
    /// `C`, the cast is dropped, as a cast to a dead name is in OTP.
    /// - Parameter body: The message, typically a call to one of the actor's methods.
    /// - Returns: `true` if the cast was queued for a running instance, `false` if it was dropped.
    @discardableResult
    public func cast(_ body: @escaping @Sendable (C) async throws -> Void) -> Bool {
        guard core.current?.child is C else { return false }
        return core.cast { child in
            guard let child = child as? C else { return }
            try await body(child)
        }
    }

    /// The number of callers currently waiting in ``call(timeout:_:)`` for an instance.
    public var waiterCount: Int { core.waiterCount }

    /// Fails every caller waiting for an instance, and every later call that finds none running,
    /// with `error`, until the supervisor publishes an instance again.
    ///
    /// For the owner of a tree that has stopped for good (shut down, or failed after too many
    /// restarts): no instance will come, so a waiting caller should not sit out its timeout. A
    /// nested tree's handles are not retired: its parent may restart it.
    /// - Parameter error: what the waiting and later calls throw.
    package func retire(_ error: any Error) { core.retire(error) }
}

extension ChildHandle where C: AnyObject {
    /// Like ``call(timeout:_:)``, but the instance `stale` does not count as running: the call
    /// waits for the supervisor to publish another instance (its replacement) and runs there.
    ///
    /// For a caller that found an instance unusable (it has failed and is about to be
    /// restarted) and wants the next one, without polling.
    /// - Parameters:
    ///   - timeout: How long to wait for a usable instance, on the registry's clock.
    ///   - stale: The instance to skip; `nil` makes this ``call(timeout:_:)``.
    ///   - body: The request.
    /// - Returns: What `body` returns.
    /// - Throws: as ``call(timeout:_:)``: ``SupervisionError/callTimeout(child:timeout:)`` if no
    ///   other instance runs within `timeout`; `CancellationError` if the caller is cancelled
    ///   while waiting; whatever `body` throws.
    public func call<R: Sendable>(
        timeout: Duration = .seconds(5), skipping stale: C?,
        _ body: @Sendable (C) async throws -> R
    ) async throws -> R {
        let published = try await core.waitForInstance(timeout: timeout, skipping: stale.map(ObjectIdentifier.init))
        return try await run(body, on: published)
    }
}
