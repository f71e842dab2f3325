// The mailbox loop's handlers for starting, stopping and child instances.
// Everything here runs on the loop, one message at a time: entries are never mutated elsewhere.
extension Supervisor {
    func process(_ message: Message) async {
        if phase == .terminated {
            message.reject(supervisor: name)
            return
        }
        switch message {
        case .start(let reply):
            await handleStart(reply)
        case .shutdown(let reply):
            await handleShutdown()
            reply?.resume()
        case let .exited(id, instance, reason):
            await handleExit(id: id, instanceID: instance, reason: reason)
        case let .crashed(id, instance, error):
            await handleCrash(id: id, instanceID: instance, error: error)
        case .restartDue(let token):
            await handleRestartDue(token)
        case let .startChild(spec, reply):
            await handleStartChild(spec, reply)
        case let .terminateChild(id, reply):
            await handleTerminateChild(id, reply)
        case let .restartChild(id, reply):
            await handleRestartChild(id, reply)
        case let .deleteChild(id, reply):
            handleDeleteChild(id, reply)
        case .whichChildren(let reply):
            reply.resume(returning: entries.map(\.info))
        case .countChildren(let reply):
            reply.resume(returning: childCount())
        }
    }

    func index(of id: String) -> Int? {
        entries.firstIndex { $0.spec.id == id }
    }

    private func handleStart(_ reply: CheckedContinuation<Void, any Error>) async {
        switch phase {
        case .running:
            reply.resume()
            return
        case .idle:
            break
        case .starting, .stopping, .terminated:
            reply.resume(throwing: terminationError ?? SupervisionError.notRunning(supervisor: name))
            return
        }
        var seen = Set<String>()
        for entry in entries where !seen.insert(entry.spec.id).inserted {
            let error = SupervisionError.duplicateChild(entry.spec.id, supervisor: name)
            terminate(error: error)
            reply.resume(throwing: error)
            return
        }
        phase = .starting
        for i in entries.indices {
            let id = entries[i].spec.id
            do {
                try await startInstance(at: i)
                emit(.childStarted(id: id))
            } catch {
                emit(.childStartFailed(id: id, error: error))
                phase = .stopping
                for j in (0..<i).reversed() {
                    await stopAndReport(at: j)
                }
                let failure = SupervisionError.startFailed(child: id, underlying: error)
                terminate(error: failure)
                reply.resume(throwing: failure)
                return
            }
        }
        phase = .running
        reply.resume()
    }

    private func handleShutdown() async {
        phase = .stopping
        await stopAllChildren()
        terminate(error: nil)
    }

    /// Builds, starts and publishes a new instance of `entries[i]`, then runs it in a task.
    func startInstance(at i: Int) async throws {
        let spec = entries[i].spec
        let child = try await spec.makeChild()
        try await child.start()
        nextInstanceID += 1
        let instanceID = nextInstanceID
        let id = spec.id
        let core = registry.core(id)
        let mailbox = self.mailbox
        let runTasks = self.runTasks
        let ended = OneShotSignal()
        core.publish(PublishedInstance(child: child, instanceID: instanceID) { error in
            mailbox.yield(.crashed(id: id, instance: instanceID, error: error))
        })
        runTasks.increment()
        let task = Task.detached {
            let reason: ExitReason
            do {
                try await child.run()
                reason = Task.isCancelled ? .shutdown : .normal
            } catch is CancellationError {
                reason = .shutdown
            } catch {
                reason = Task.isCancelled ? .shutdown : .abnormal(error)
            }
            core.unpublish(instanceID)
            // Count the task as ended before signalling: whoever waits on `ended` (shutdown)
            // must find the count already down.
            runTasks.decrement()
            ended.fire()
            mailbox.yield(.exited(id: id, instance: instanceID, reason: reason))
        }
        entries[i].instance = ChildEntry.Instance(child: child, instanceID: instanceID, task: task, ended: ended)
    }

    /// Stops the instance of `entries[i]` (and cancels a pending restart of it).
    ///
    /// - Parameter graceful: Call ``SupervisedChild/willShutdown()`` first (not for crashes).
    /// - Returns: `nil` if no instance was running; `.shutdown` if it ended in time; `.killed`
    ///   if the supervisor stopped waiting (timeout or brutal kill).
    func stopInstance(at i: Int, graceful: Bool) async -> ExitReason? {
        if let token = entries[i].pendingToken {
            cancelPending(entries[i].spec.id, token: token)
            entries[i].pendingToken = nil
        }
        guard let instance = entries[i].instance else { return nil }
        entries[i].instance = nil
        registry.core(entries[i].spec.id).unpublish(instance.instanceID)
        let task = instance.task
        let timeout: Duration?
        switch entries[i].spec.shutdown {
        case .brutalKill:
            task.cancel()
            return instance.ended.isFired ? .shutdown : .killed
        case .timeout(let duration):
            timeout = duration
        case .infinity:
            timeout = nil
        }
        var polite: Task<Void, Never>?
        if graceful {
            let child = instance.child
            polite = Task.detached {
                await child.willShutdown()
                task.cancel()
            }
        } else {
            task.cancel()
        }
        let ended = await instance.ended.wait(timeout: timeout, clock: clock)
        if !ended {
            task.cancel()
            polite?.cancel()
        }
        return ended ? .shutdown : .killed
    }

    /// Stops `entries[i]` gracefully and reports the exit, if it was running.
    func stopAndReport(at i: Int) async {
        let id = entries[i].spec.id
        if let reason = await stopInstance(at: i, graceful: true) {
            emit(.childExited(id: id, reason: reason))
        }
    }

    func stopAllChildren() async {
        for i in entries.indices.reversed() {
            await stopAndReport(at: i)
        }
    }

    /// Ends the supervisor: no more restarts, event streams finish, `run()` returns or throws.
    func terminate(error: SupervisionError?) {
        for restart in pending.values { restart.timer?.cancel() }
        pending = [:]
        phase = .terminated
        terminationError = error
        if let error {
            emit(.failed(supervisor: name, error: error))
        } else {
            emit(.shutDown(supervisor: name))
        }
        hub.finish()
        terminatedSignal.fire()
        mailbox.finish()
    }

    private func childCount() -> ChildCount {
        ChildCount(
            specs: entries.count,
            active: entries.filter { $0.instance != nil }.count,
            supervisors: entries.filter { $0.spec.kind == .supervisor }.count,
            workers: entries.filter { $0.spec.kind == .worker }.count)
    }
}
