// The mailbox loop's handlers for exits, crashes and restarts.
extension Supervisor {
    func handleExit(id: String, instanceID: UInt64, reason: ExitReason) async {
        guard phase == .running, let i = index(of: id), entries[i].instance?.instanceID == instanceID else {
            return  // stale: the supervisor already stopped that instance
        }
        entries[i].instance = nil  // its run task has unpublished it already, before reporting the exit
        emit(.childExited(id: id, reason: reason))
        await applyStrategy(after: id, exit: reason.kind)
    }

    func handleCrash(id: String, instanceID: UInt64, error: any Error) async {
        guard phase == .running, let i = index(of: id), entries[i].instance?.instanceID == instanceID else {
            return
        }
        _ = await stopInstance(at: i, graceful: false)
        emit(.childExited(id: id, reason: .abnormal(error)))
        await applyStrategy(after: id, exit: .abnormal)
    }

    private func applyStrategy(after id: String, exit: ExitKind) async {
        let children = entries.map {
            RestartDecision.Child(id: $0.spec.id, restart: $0.spec.restart, isActive: $0.isActive)
        }
        let plan = RestartDecision(strategy: strategy).plan(after: id, exit: exit, children: children)
        // As in OTP, the restart is counted before any sibling is touched.
        if !plan.restart.isEmpty, !countRestart() {
            await failForIntensity()
            return
        }
        for sibling in plan.stop {
            if let j = index(of: sibling) { await stopAndReport(at: j) }
        }
        for dropped in plan.drop {
            entries.removeAll { $0.spec.id == dropped }
            emit(.childDeleted(id: dropped))
        }
        if !plan.restart.isEmpty {
            await restart(plan.restart, trigger: id)
        }
    }

    /// Records one restart in the intensity window; `false` if it is one too many.
    private func countRestart() -> Bool {
        window.recordRestart(at: clock.elapsed)
    }

    /// Restarts `ids` now or after the backoff delay (intensity already counted).
    private func restart(_ ids: [String], trigger: String) async {
        let now = clock.elapsed
        var triggerAttempt = 1
        for id in ids {
            guard let j = index(of: id) else { continue }
            let attempt = entries[j].history.next(at: now, resetAfter: backoff?.resetAfter)
            if id == trigger { triggerAttempt = attempt }
        }
        if let backoff {
            let delay = backoff.delay(forAttempt: triggerAttempt)
            if delay > .zero {
                let token = newToken(for: ids)
                emit(.restartScheduled(id: trigger, attempt: triggerAttempt, delay: delay))
                let mailbox = self.mailbox
                let timer = clock.after(delay, counter: timerTasks) {
                    mailbox.yield(.restartDue(token: token))
                }
                pending[token] = PendingRestart(ids: ids, trigger: trigger, timer: timer, isRetry: false)
                return
            }
        }
        await startRestarted(ids)
    }

    /// Starts `ids` in order; on a failure, schedules a retry of the rest (counted again).
    private func startRestarted(_ ids: [String]) async {
        for (k, id) in ids.enumerated() {
            guard let j = index(of: id) else { continue }
            entries[j].pendingToken = nil
            guard entries[j].instance == nil else { continue }
            do {
                try await startInstance(at: j)
                emit(.childRestarted(id: id, attempt: entries[j].history.attempt))
            } catch {
                emit(.childRestartFailed(id: id, attempt: entries[j].history.attempt, error: error))
                let remaining = ids[k...].filter { index(of: $0) != nil }
                let token = newToken(for: remaining)
                pending[token] = PendingRestart(ids: remaining, trigger: id, timer: nil, isRetry: true)
                mailbox.yield(.restartDue(token: token))
                return
            }
        }
    }

    func handleRestartDue(_ token: UInt64) async {
        guard phase == .running, let restart = pending.removeValue(forKey: token) else { return }
        let ids = restart.ids.filter { id in index(of: id).map { entries[$0].pendingToken == token } ?? false }
        guard !ids.isEmpty else { return }
        if restart.isRetry {
            guard countRestart() else {
                await failForIntensity()
                return
            }
            await self.restart(ids, trigger: ids.contains(restart.trigger) ? restart.trigger : ids[0])
        } else {
            await startRestarted(ids)
        }
    }

    private func newToken(for ids: [String]) -> UInt64 {
        nextToken += 1
        for id in ids {
            if let j = index(of: id) { entries[j].pendingToken = nextToken }
        }
        return nextToken
    }

    /// Removes `id` from the pending restart `token`; cancels its timer when nobody is left.
    func cancelPending(_ id: String, token: UInt64) {
        guard var restart = pending[token] else { return }
        restart.ids.removeAll { $0 == id }
        if restart.ids.isEmpty {
            restart.timer?.cancel()
            pending[token] = nil
        } else {
            pending[token] = restart
        }
    }

    private func failForIntensity() async {
        emit(.intensityExceeded(supervisor: name, maxRestarts: intensity.maxRestarts, period: intensity.period))
        phase = .stopping
        await stopAllChildren()
        terminate(error: .intensityExceeded(supervisor: name, maxRestarts: intensity.maxRestarts, period: intensity.period))
    }
}
