import Foundation
import Synchronization
@testable import AgentSessions

/// Wraps a backend and fails chosen calls with a storage error, for crash/restart tests.
///
/// The plan is shared by every instance the store's backend factory builds (each restart of
/// the store actor builds a new one), so "fail the 3rd write" counts across restarts.
final class FaultPlan: Sendable {
    enum When: Sendable { case beforeWriting, afterWriting }
    private struct State {
        var writes = 0
        var failing: Set<Int> = []
        var when: When = .afterWriting
        var errno: Int32 = EIO
    }
    private let state = Mutex(State())

    /// Fails the write calls numbered `numbers` (1-based, counted over all instances).
    func failWrites(_ numbers: Set<Int>, when: When, errno: Int32 = EIO) {
        state.withLock { $0.failing = numbers; $0.when = when; $0.errno = errno }
    }

    func nextWrite() -> (fail: Bool, when: When, errno: Int32) {
        state.withLock { s in
            s.writes += 1
            return (s.failing.contains(s.writes), s.when, s.errno)
        }
    }
}

final class FaultInjectingBackend: StorageBackend {
    let base: FileBackend
    let plan: FaultPlan

    init(base: FileBackend, plan: FaultPlan) {
        self.base = base
        self.plan = plan
    }

    var location: String { base.location }
    var durability: DurabilityWaiter? { base.durability }
    func open() throws(StoreError) -> [SessionMetadata] { try base.open() }
    func beginWrite() throws(StoreError) -> [StorageChange] { try base.beginWrite() }

    func write(_ mutations: [StorageMutation]) throws(StoreError) -> DurabilityTicket? {
        let next = plan.nextWrite()
        let failure = StoreError.storageFailure(path: base.location + "/journal", operation: "pwrite", errno: next.errno)
        if next.fail, next.when == .beforeWriting { throw failure }
        let ticket = try base.write(mutations)
        // As if the record reached the log but a later step failed: memory and disk now disagree.
        if next.fail { throw failure }
        return ticket
    }

    func endWrite(index: () -> [SessionMetadata]) throws(StoreError) { try base.endWrite(index: index) }
    func abortWrite() { base.abortWrite() }
    func poll() throws(StoreError) -> [StorageChange] { try base.poll() }
    func readMessages(_ metadata: SessionMetadata) throws(StoreError) -> [UInt8] { try base.readMessages(metadata) }
    func close(index: [SessionMetadata]) throws(StoreError) { try base.close(index: index) }
}
