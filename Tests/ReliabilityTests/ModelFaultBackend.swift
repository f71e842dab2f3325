import AgentSessions
import Foundation
import Synchronization

/// The fault switch shared by every backend a store's factory builds (one per restart of the
/// store actor): armed for one write, it fails the next backend `write` call and disarms.
final class ModelFaults: Sendable {
    private struct State {
        var armed: FaultMode?
        var fired = false
    }
    private let state = Mutex(State())

    func arm(_ mode: FaultMode) { state.withLock { $0 = State(armed: mode, fired: false) } }

    /// Disarms; returns whether the armed fault fired since ``arm(_:)``.
    func disarm() -> Bool {
        state.withLock { s in
            defer { s = State() }
            return s.fired
        }
    }

    fileprivate func take() -> FaultMode? {
        state.withLock { s in
            guard let mode = s.armed else { return nil }
            s.armed = nil
            s.fired = true
            return mode
        }
    }
}

/// A ``FileBackend`` whose next `write` fails when ``ModelFaults`` is armed: before the log record
/// is written (nothing is applied), or after the record and its file effects (the store actor's
/// memory and the disk disagree until it restarts and replays the log).
final class ModelFaultBackend: StorageBackend {
    let base: FileBackend
    let faults: ModelFaults

    init(base: FileBackend, faults: ModelFaults) {
        self.base = base
        self.faults = faults
    }

    var location: String { base.location }
    var durability: DurabilityWaiter? { base.durability }
    func open() throws(StoreError) -> [SessionMetadata] { try base.open() }
    func beginWrite() throws(StoreError) -> [StorageChange] { try base.beginWrite() }

    func write(_ mutations: [StorageMutation]) throws(StoreError) -> DurabilityTicket? {
        let fault = faults.take()
        let failure = StoreError.storageFailure(path: base.location + "/journal", operation: "pwrite (injected)", errno: EIO)
        if fault == .beforeWriting { throw failure }
        let ticket = try base.write(mutations)
        if fault == .afterWriting { throw failure }
        return ticket
    }

    func endWrite(index: () -> [SessionMetadata]) throws(StoreError) { try base.endWrite(index: index) }
    func abortWrite() { base.abortWrite() }
    func poll() throws(StoreError) -> [StorageChange] { try base.poll() }
    func readMessages(_ metadata: SessionMetadata) throws(StoreError) -> [UInt8] { try base.readMessages(metadata) }
    func close(index: [SessionMetadata]) throws(StoreError) { try base.close(index: index) }
}
