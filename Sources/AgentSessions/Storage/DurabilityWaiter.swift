import Dispatch
import Foundation
import Synchronization

/// Group commit: one sync of the log acknowledges every write that reached it first.
///
/// Writers hand in the ticket of their log record and suspend. A dedicated serial queue
/// runs the sync: each round takes the log's current end, syncs once, and resumes every
/// waiter at or below it. Writers arriving during a sync are covered by the next round,
/// so N concurrent durable writes cost about one sync, not N. The blocking `fdatasync`
/// runs on this queue, or (``syncIfIdle(_:)``) on the thread of a writer that finds no round
/// running: that writer is the round, and saves the two thread hops of a queued round.
public final class DurabilityWaiter: Sendable {
    private struct State {
        var synced: DurabilityTicket
        var written: DurabilityTicket
        var waiters: [(DurabilityTicket, CheckedContinuation<Void, any Error>)] = []
        var running = false
        var failure: StoreError?
    }

    private let state: Mutex<State>
    private let queue = DispatchQueue(label: "agent-sessions.group-commit")
    private let sync: @Sendable () throws(StoreError) -> Void
    /// Nil while open; after ``close(_:)``, the error every later round fails with. Held during
    /// each sync, so `close` waits for one in progress and none starts after it: the log's
    /// descriptor is closed next, and its number may then name another file, whose sync would
    /// acknowledge writes that are not on disk.
    private let closed = Mutex<StoreError?>(nil)

    /// - Parameters:
    ///   - start: the log position already on stable storage.
    ///   - sync: makes everything written so far durable (one `fdatasync` of the log).
    init(start: DurabilityTicket, sync: @escaping @Sendable () throws(StoreError) -> Void) {
        self.state = Mutex(State(synced: start, written: start))
        self.sync = sync
    }

    /// Records that the log now extends to `ticket` (called by the writer, under its lock).
    func noteWritten(_ ticket: DurabilityTicket) {
        state.withLock { if Self.less($0.written, ticket) { $0.written = ticket } }
    }

    /// Records that a compaction made everything up to `ticket` durable.
    func noteSynced(_ ticket: DurabilityTicket) {
        let ready = state.withLock { state in
            if Self.less(state.synced, ticket) { state.synced = ticket }
            if Self.less(state.written, ticket) { state.written = ticket }
            return Self.takeReady(&state)
        }
        for continuation in ready { continuation.resume() }
    }

    /// Suspends until `ticket` is on stable storage.
    ///
    /// Cancellation does not interrupt the wait: the write has already been handed to the
    /// kernel, and returning early would report it durable or failed when it is neither.
    /// - Throws: ``StoreError/storageFailure(path:operation:errno:)`` when the sync fails, or the
    ///   error given to ``close(_:)``.
    func wait(for ticket: DurabilityTicket) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            enum Action { case fail(StoreError), done, wait, startRounds }
            let action: Action = state.withLock { state in
                if let failure = state.failure { return .fail(failure) }
                if !Self.less(state.synced, ticket) { return .done }
                state.waiters.append((ticket, continuation))
                if state.running { return .wait }  // the running rounds re-check the waiters before stopping
                state.running = true
                return .startRounds
            }
            switch action {
            case .fail(let error): continuation.resume(throwing: error)
            case .done: continuation.resume()
            case .wait: break
            case .startRounds: queue.async { self.runRounds() }
            }
        }
    }

    /// Makes `ticket` durable on the calling thread when no round is running: this call is then
    /// a round (one sync, resuming the waiters it covers). Returns false, having done nothing,
    /// when a round is running; call ``wait(for:)`` then.
    /// - Throws: ``StoreError/storageFailure(path:operation:errno:)`` when the sync fails (every
    ///   waiter and every later call fails too, as in a queued round), or the error given to
    ///   ``close(_:)``.
    func syncIfIdle(_ ticket: DurabilityTicket) throws(StoreError) -> Bool {
        enum Action { case fail(StoreError), done, busy, sync(DurabilityTicket) }
        let action: Action = state.withLock { state in
            if let failure = state.failure { return .fail(failure) }
            if !Self.less(state.synced, ticket) { return .done }
            // Busy, or a ticket not yet noted as written (a round to `written` would not cover it).
            if state.running || Self.less(state.written, ticket) { return .busy }
            state.running = true
            return .sync(state.written)
        }
        switch action {
        case .fail(let error): throw error
        case .done: return true
        case .busy: return false
        case .sync(let target):
            let (failure, more) = round(to: target)
            if let failure { throw failure }
            if more { queue.async { self.runRounds() } }  // writers that arrived during our sync
            return true
        }
    }

    /// One round: syncs, then resumes the waiters it covers (or, if the sync failed, fails them
    /// all). Returns the failure, and whether others are still waiting (then `running` stays set).
    private func round(to target: DurabilityTicket) -> (failure: StoreError?, more: Bool) {
        let outcome = Result { () throws(StoreError) in
            try closed.withLock { closed throws(StoreError) in
                if let closed { throw closed }
                try sync()
            }
        }
        let (done, more) = finish(outcome, target: target)
        for continuation in done { continuation.resume(with: outcome.mapError { $0 as any Error }) }
        guard case .failure(let error) = outcome else { return (nil, more) }
        return (error, more)
    }

    /// Ends a round that synced up to `target`: the waiters it settles (those it covers, or all
    /// of them if the sync failed), and whether others are still waiting (rounds go on;
    /// `running` stays set).
    private func finish(_ outcome: Result<Void, StoreError>, target: DurabilityTicket) -> (
        done: [CheckedContinuation<Void, any Error>], more: Bool
    ) {
        state.withLock { state in
            switch outcome {
            case .success:
                if Self.less(state.synced, target) { state.synced = target }
                let ready = Self.takeReady(&state)
                if state.waiters.isEmpty { state.running = false }
                return (ready, !state.waiters.isEmpty)
            case .failure(let error):
                // A failed fsync leaves the page cache in an unknown state: fail every waiter
                // and every later wait, so nothing is acknowledged that may not be on disk.
                state.failure = error
                let all = state.waiters.map(\.1)
                state.waiters = []
                state.running = false
                return (all, false)
            }
        }
    }

    private func runRounds() {
        while true {
            let target: DurabilityTicket? = state.withLock { state in
                if state.waiters.isEmpty { state.running = false; return nil }
                return state.written
            }
            guard let target, round(to: target).more else { return }
        }
    }

    /// Stops syncing: waits for a sync in progress, then fails every round after it with `error`
    /// (its waiters, and every later wait and sync, as after a failed sync). Call before
    /// closing the log.
    func close(_ error: StoreError) {
        closed.withLock { $0 = error }
    }

    /// Writers waiting for a round (tests).
    var waiterCount: Int { state.withLock { $0.waiters.count } }

    private static func takeReady(_ state: inout State) -> [CheckedContinuation<Void, any Error>] {
        var ready: [CheckedContinuation<Void, any Error>] = []
        state.waiters.removeAll { waiter in
            if !less(state.synced, waiter.0) { ready.append(waiter.1); return true }
            return false
        }
        return ready
    }

    private static func less(_ a: DurabilityTicket, _ b: DurabilityTicket) -> Bool {
        (a.generation, a.offset) < (b.generation, b.offset)
    }
}
