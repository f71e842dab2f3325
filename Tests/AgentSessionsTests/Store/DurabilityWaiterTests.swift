import Dispatch
import Foundation
import Synchronization
import Testing
@testable import AgentSessions

@Suite("DurabilityWaiter: group commit, and a writer that syncs on its own thread when no round runs", .timeLimit(.minutes(1)))
struct DurabilityWaiterTests {
    static func ticket(_ offset: Int) -> DurabilityTicket { DurabilityTicket(generation: 1, offset: offset) }

    /// A waiter whose log starts durable at offset 64 and whose syncs `syncs` counts.
    static func waiter(_ syncs: Syncs) -> DurabilityWaiter {
        DurabilityWaiter(start: ticket(64)) { () throws(StoreError) in try syncs.sync() }
    }

    /// Counts syncs (and how many ever ran at once); with `gated`, each one waits for a
    /// ``release(_:)`` (to hold a round open).
    final class Syncs: Sendable {
        let count = Atomic(0)
        let running = Atomic(0)
        let mostAtOnce = Atomic(0)
        let gate: DispatchSemaphore?
        let entered = DispatchSemaphore(value: 0)
        let failWith: Int32?
        init(gated: Bool = false, failWith: Int32? = nil) {
            self.gate = gated ? DispatchSemaphore(value: 0) : nil
            self.failWith = failWith
        }
        /// Suspends until a sync has started (waiting on a dispatch thread, not the cooperative pool).
        func untilEntered() async {
            await withCheckedContinuation { done in DispatchQueue.global().async { self.entered.wait(); done.resume() } }
        }
        /// Lets `rounds` gated syncs finish.
        func release(_ rounds: Int) {
            for _ in 0..<rounds { gate?.signal() }
        }
        func sync() throws(StoreError) {
            count.add(1, ordering: .relaxed)
            let now = running.add(1, ordering: .relaxed).newValue
            mostAtOnce.max(now, ordering: .relaxed)
            defer { running.subtract(1, ordering: .relaxed) }
            entered.signal()
            gate?.wait()
            if let failWith { throw .storageFailure(path: "/j", operation: "fdatasync", errno: failWith) }
        }
    }

    /// A waiter over gated syncs, with the log written up to offset 100.
    static func gatedWaiter() -> (Syncs, DurabilityWaiter) {
        let syncs = Syncs(gated: true)
        let waiter = Self.waiter(syncs)
        waiter.noteWritten(Self.ticket(100))
        return (syncs, waiter)
    }

    /// `syncIfIdle` on a dispatch thread (it may block in a gated sync; the cooperative pool must not).
    static func syncIfIdleOffPool(_ waiter: DurabilityWaiter, _ ticket: DurabilityTicket) async throws -> Bool {
        try await withCheckedThrowingContinuation { done in
            DispatchQueue.global().async { done.resume(with: Result { try waiter.syncIfIdle(ticket) }) }
        }
    }

    @Test("an idle writer syncs on its own thread, once; a ticket already durable costs no sync")
    func inlineWhenIdle() throws {
        let syncs = Syncs()
        let waiter = Self.waiter(syncs)
        #expect(try waiter.syncIfIdle(Self.ticket(64)))
        #expect(syncs.count.load(ordering: .relaxed) == 0)
        waiter.noteWritten(Self.ticket(100))
        waiter.noteWritten(Self.ticket(200))
        #expect(try waiter.syncIfIdle(Self.ticket(100)))
        #expect(syncs.count.load(ordering: .relaxed) == 1)
        #expect(try waiter.syncIfIdle(Self.ticket(200)), "the round synced up to the log's end")
        #expect(syncs.count.load(ordering: .relaxed) == 1)
    }

    @Test("while a round runs, a writer is told to wait; the waiters of one round share its sync")
    func busyThenGrouped() async throws {
        let (syncs, waiter) = Self.gatedWaiter()
        let first = Task { try await waiter.wait(for: Self.ticket(100)) }
        await syncs.untilEntered()
        // The queued round is in its sync: a writer on its own thread must not start another.
        waiter.noteWritten(Self.ticket(150))
        #expect(try waiter.syncIfIdle(Self.ticket(150)) == false)
        waiter.noteWritten(Self.ticket(200))
        let later = (0..<5).map { i in Task { try await waiter.wait(for: Self.ticket(150 + 10 * i)) } }
        #expect(await eventually { waiter.waiterCount == 6 })  // all five queued behind round 1
        // Round 1 ends (up to 100); the five later writers share round 2 (up to 200). A spare
        // permit lets a wrong third round finish and be counted instead of hanging.
        syncs.release(3)
        try await first.value
        for task in later { try await task.value }
        #expect(syncs.count.load(ordering: .relaxed) == 2)
    }

    @Test("a writer that arrives during a writer's own sync is covered by a round started for it")
    func arrivalDuringInlineSync() async throws {
        let (syncs, waiter) = Self.gatedWaiter()
        async let inline = Self.syncIfIdleOffPool(waiter, Self.ticket(100))
        await syncs.untilEntered()
        waiter.noteWritten(Self.ticket(300))  // after the inline round took its target
        let arriving = Task { try await waiter.wait(for: Self.ticket(300)) }
        #expect(await eventually { waiter.waiterCount == 1 })  // queued while the inline round runs
        syncs.release(2)
        #expect(try await inline)
        try await arriving.value
        #expect(syncs.count.load(ordering: .relaxed) == 2)
        #expect(syncs.mostAtOnce.load(ordering: .relaxed) == 1, "the arriving writer's round waited for the inline one")
        #expect(waiter.waiterCount == 0)
    }

    @Test("a failed sync on the writer's thread fails it, and every later wait and sync")
    func inlineFailure() async throws {
        let syncs = Syncs(failWith: EIO)
        let waiter = Self.waiter(syncs)
        waiter.noteWritten(Self.ticket(100))
        #expect(throws: StoreError.self) { try waiter.syncIfIdle(Self.ticket(100)) }
        #expect(throws: StoreError.self) { try waiter.syncIfIdle(Self.ticket(100)) }
        await #expect(throws: StoreError.self) { try await waiter.wait(for: Self.ticket(100)) }
        #expect(syncs.count.load(ordering: .relaxed) == 1, "a failed sync is never retried: the page cache is in doubt")
    }

    @Test("close waits for a sync in progress, which acknowledges; after it no round syncs, and every wait fails with its error")
    func closeStopsSyncing() async throws {
        let (syncs, waiter) = Self.gatedWaiter()
        let inFlight = Task { try await waiter.wait(for: Self.ticket(100)) }
        await syncs.untilEntered()
        let closed = StoreError.storageFailure(path: "/s/journal", operation: "fdatasync", errno: ECANCELED)
        let closing = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            waiter.close(closed)
            closing.signal()
        }
        /// Waits off the cooperative pool for the close to return, at most `timeout`; whether it did.
        func closeReturned(within timeout: DispatchTimeInterval) async -> Bool {
            await withCheckedContinuation { done in
                DispatchQueue.global().async { done.resume(returning: closing.wait(timeout: .now() + timeout) == .success) }
            }
        }
        // Not synchronisation: a close that did not wait for the sync would return within this
        // pause (a stalled machine could give a false pass, never a false failure).
        #expect(await !closeReturned(within: .milliseconds(50)), "close returned while a sync was in progress")
        syncs.release(1)
        try await inFlight.value
        #expect(await closeReturned(within: .seconds(30)))
        waiter.noteWritten(Self.ticket(200))
        syncs.release(2)  // spare permits: a wrong round after the close finishes and is counted instead of hanging
        await #expect(throws: closed) { try await waiter.wait(for: Self.ticket(200)) }
        #expect(throws: closed) { try waiter.syncIfIdle(Self.ticket(200)) }
        #expect(syncs.count.load(ordering: .relaxed) == 1, "a round ran a sync after close (on a descriptor that may name another file)")
    }

    @Test("a write waiting for its journal sync when the store closes gets a storage failure, never unavailable (which the facade retries)",
          arguments: [true, false])
    func closedStoreFailsWaitingWrites(clean: Bool) async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let table = try SessionTable(backend: FileBackend(directory: dir.path, durability: .durable), cacheBytes: 1 << 20)
        let durability = try #require(table.durability)
        table.close(clean: clean)  // a shutdown without a checkpoint, or a crash (the backend let go)
        let logged = DurabilityTicket(generation: .max, offset: 0)  // past anything synced
        durability.noteWritten(logged)
        await #expect(throws: StoreError.storageFailure(path: dir.path + "/journal", operation: "fdatasync", errno: ECANCELED)) {
            try await durability.wait(for: logged)
        }
    }
}
