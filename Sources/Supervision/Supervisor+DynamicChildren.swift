// Adding and removing children at run time (OTP's start_child, terminate_child, ...).
extension Supervisor {
    /// Adds a child after the existing ones and starts it.
    ///
    /// Waits for any operation in progress. On failure the spec is not added.
    /// - Parameter spec: The new child; its id must be unused.
    /// - Throws: ``SupervisionError/duplicateChild(_:supervisor:)``,
    ///   ``SupervisionError/startFailed(child:underlying:)``, or
    ///   ``SupervisionError/notRunning(supervisor:)`` if the supervisor is not running.
    public func startChild(_ spec: ChildSpec) async throws {
        try await request { .startChild(spec, $0) }
    }

    /// Stops a child per its shutdown policy without restarting it.
    ///
    /// The spec is kept (so ``restartChild(_:)`` can start it again), except for temporary
    /// children, whose spec is dropped. A pending restart of the child is cancelled.
    /// - Parameter id: The child's id.
    /// - Throws: ``SupervisionError/unknownChild(_:supervisor:)`` or ``SupervisionError/notRunning(supervisor:)``.
    public func terminateChild(_ id: String) async throws {
        try await request { .terminateChild(id, $0) }
    }

    /// Starts a stopped child again from its spec. Not counted toward intensity.
    ///
    /// - Parameter id: The child's id.
    /// - Throws: ``SupervisionError/childRunning(_:supervisor:)`` if it is running or restarting,
    ///   ``SupervisionError/unknownChild(_:supervisor:)``, ``SupervisionError/startFailed(child:underlying:)``
    ///   (the spec is kept), or ``SupervisionError/notRunning(supervisor:)``.
    public func restartChild(_ id: String) async throws {
        try await request { .restartChild(id, $0) }
    }

    /// Removes the spec of a stopped child.
    ///
    /// - Parameter id: The child's id.
    /// - Throws: ``SupervisionError/childRunning(_:supervisor:)`` if it is running or restarting
    ///   (terminate it first), ``SupervisionError/unknownChild(_:supervisor:)``, or
    ///   ``SupervisionError/notRunning(supervisor:)``.
    public func deleteChild(_ id: String) async throws {
        try await request { .deleteChild(id, $0) }
    }

    /// Sends a request to the mailbox and waits for its reply.
    private func request(_ message: (CheckedContinuation<Void, any Error>) -> Message) async throws {
        ensureLoop()
        try await withCheckedThrowingContinuation { continuation in send(message(continuation)) }
    }

    /// The children in start order, with their status.
    ///
    /// Answered after any operation in progress (a restart, a shutdown) has finished, so the
    /// answer is never a half-applied strategy. Empty once the supervisor has terminated.
    public func whichChildren() async -> [ChildInfo] {
        ensureLoop()
        return await withCheckedContinuation { (continuation: CheckedContinuation<[ChildInfo], Never>) in
            send(.whichChildren(continuation))
        }
    }

    /// Counts of specs, running children, supervisors and workers; answered like ``whichChildren()``.
    public func countChildren() async -> ChildCount {
        ensureLoop()
        return await withCheckedContinuation { (continuation: CheckedContinuation<ChildCount, Never>) in
            send(.countChildren(continuation))
        }
    }

    func handleStartChild(_ spec: ChildSpec, _ reply: CheckedContinuation<Void, any Error>) async {
        guard phase == .running else {
            return reply.resume(throwing: SupervisionError.notRunning(supervisor: name))
        }
        guard index(of: spec.id) == nil else {
            return reply.resume(throwing: SupervisionError.duplicateChild(spec.id, supervisor: name))
        }
        entries.append(ChildEntry(spec: spec))
        let i = entries.count - 1
        do {
            try await startInstance(at: i)
            emit(.childStarted(id: spec.id))
            reply.resume()
        } catch {
            entries.remove(at: i)
            emit(.childStartFailed(id: spec.id, error: error))
            reply.resume(throwing: SupervisionError.startFailed(child: spec.id, underlying: error))
        }
    }

    /// The index of child `id`, or `nil` after answering `reply` with why the request cannot
    /// proceed: the supervisor is not running, no such child, or (with `mustBeStopped`) it runs.
    private func child(_ id: String, mustBeStopped: Bool, _ reply: CheckedContinuation<Void, any Error>) -> Int? {
        guard phase == .running else {
            reply.resume(throwing: SupervisionError.notRunning(supervisor: name))
            return nil
        }
        guard let i = index(of: id) else {
            reply.resume(throwing: SupervisionError.unknownChild(id, supervisor: name))
            return nil
        }
        if mustBeStopped, entries[i].isActive {
            reply.resume(throwing: SupervisionError.childRunning(id, supervisor: name))
            return nil
        }
        return i
    }

    func handleTerminateChild(_ id: String, _ reply: CheckedContinuation<Void, any Error>) async {
        guard let i = child(id, mustBeStopped: false, reply) else { return }
        await stopAndReport(at: i)
        if entries[i].spec.restart == .temporary {
            entries.remove(at: i)
            emit(.childDeleted(id: id))
        }
        reply.resume()
    }

    func handleRestartChild(_ id: String, _ reply: CheckedContinuation<Void, any Error>) async {
        guard let i = child(id, mustBeStopped: true, reply) else { return }
        do {
            try await startInstance(at: i)
            emit(.childStarted(id: id))
            reply.resume()
        } catch {
            emit(.childStartFailed(id: id, error: error))
            reply.resume(throwing: SupervisionError.startFailed(child: id, underlying: error))
        }
    }

    func handleDeleteChild(_ id: String, _ reply: CheckedContinuation<Void, any Error>) {
        guard let i = child(id, mustBeStopped: true, reply) else { return }
        entries.remove(at: i)
        emit(.childDeleted(id: id))
        reply.resume()
    }
}
