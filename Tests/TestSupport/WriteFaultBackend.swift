import AgentSessions
import Foundation

/// Where a ``WriteFaultBackend`` fails a write.
public enum WriteFault: Sendable, Hashable {
    /// Before the log record is written: nothing is applied.
    case beforeWriting
    /// After the log record and its file effects: the store actor's memory and the disk disagree
    /// until it restarts and replays the log.
    case afterWriting
}

/// A ``FileBackend`` whose `write` fails when `decide` says so, with a storage error of the given
/// `errno`. Build one per store-actor start (the backend factory); `decide` carries the plan
/// across restarts.
public final class WriteFaultBackend: StorageBackend {
    let base: FileBackend
    let decide: @Sendable () -> (fault: WriteFault, errno: Int32)?

    /// Wraps `base`; `decide` is asked once per `write` call.
    public init(base: FileBackend, decide: @escaping @Sendable () -> (fault: WriteFault, errno: Int32)?) {
        self.base = base
        self.decide = decide
    }

    /// The wrapped backend's location.
    public var location: String { base.location }
    /// The wrapped backend's durability waiter.
    public var durability: DurabilityWaiter? { base.durability }
    /// Opens the wrapped backend.
    public func open() throws(StoreError) -> [SessionMetadata] { try base.open() }
    /// Forwarded to the wrapped backend.
    public func beginWrite() throws(StoreError) -> [StorageChange] { try base.beginWrite() }

    /// Fails as `decide` says (before or after the wrapped write), else forwards.
    public func write(_ mutations: [StorageMutation]) throws(StoreError) -> DurabilityTicket? {
        guard let (fault, code) = decide() else { return try base.write(mutations) }
        let failure = StoreError.storageFailure(path: base.location + "/journal", operation: "pwrite (injected)", errno: code)
        if fault == .beforeWriting { throw failure }
        _ = try base.write(mutations)
        throw failure
    }

    /// Forwarded to the wrapped backend.
    public func endWrite(index: () -> [SessionMetadata]) throws(StoreError) { try base.endWrite(index: index) }
    /// Forwarded to the wrapped backend.
    public func abortWrite() { base.abortWrite() }
    /// Forwarded to the wrapped backend.
    public func poll() throws(StoreError) -> [StorageChange] { try base.poll() }
    /// Forwarded to the wrapped backend.
    public func readMessages(_ metadata: SessionMetadata) throws(StoreError) -> [UInt8] { try base.readMessages(metadata) }
    /// Forwarded to the wrapped backend.
    public func close(index: [SessionMetadata]) throws(StoreError) { try base.close(index: index) }
}
