import Dispatch
import Foundation
import Synchronization

/// Group commit: one sync of the log acknowledges every write that reached it first.
///
/// Writers hand in the ticket of their log record and suspend. A dedicated serial queue
/// runs the sync: each round takes the log's current end, syncs once, and resumes every
/// waiter at or below it. Writers arriving during a sync are covered by the next round,
/// so N concurrent durable writes cost about one sync, not N. The blocking `fdatasync`
/// runs on this queue, never on Swift's cooperative thread pool.
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
    /// - Throws: ``StoreError/storageFailure(path:operation:errno:)`` when the sync fails.
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

    private func runRounds() {
        while true {
            let target: DurabilityTicket? = state.withLock { state in
                if state.waiters.isEmpty { state.running = false; return nil }
                return state.written
            }
            guard let target else { return }
            let outcome = Result { () throws(StoreError) in try sync() }
            let (ready, failed): ([CheckedContinuation<Void, any Error>], [CheckedContinuation<Void, any Error>]) =
                state.withLock { state in
                    switch outcome {
                    case .success:
                        if Self.less(state.synced, target) { state.synced = target }
                        return (Self.takeReady(&state), [])
                    case .failure(let error):
                        // A failed fsync leaves the page cache in an unknown state: fail every waiter
                        // and every later wait, so nothing is acknowledged that may not be on disk.
                        state.failure = error
                        let all = state.waiters.map(\.1)
                        state.waiters = []
                        return ([], all)
                    }
                }
            for continuation in ready { continuation.resume() }
            if case .failure(let error) = outcome {
                for continuation in failed { continuation.resume(throwing: error) }
            }
        }
    }

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
