import Foundation

/// One change to the store, computed by the store actor and written by a backend.
public enum StorageMutation: Sendable, Equatable {
    /// Replace the session's messages with `lines` (JSON lines, each ending in `\n`) and its metadata.
    case save(SessionMetadata, lines: [UInt8])
    /// Add `lines` after the first `offset` bytes of the session's messages; `metadata` is the result.
    case append(SessionMetadata, lines: [UInt8], offset: Int)
    /// Replace the metadata only (tags, summary).
    case update(SessionMetadata)
    /// Remove the session.
    case delete(id: String)

    var id: String {
        switch self {
        case .save(let m, _), .append(let m, _, _), .update(let m): m.id
        case .delete(let id): id
        }
    }
}

/// A change another process made, reported so the in-memory index can follow it.
public enum StorageChange: Sendable, Equatable {
    /// A session was written; this is its metadata now.
    case upsert(SessionMetadata)
    /// A session was deleted.
    case remove(id: String)
    /// The index must be replaced wholesale with these records (the log was compacted).
    case reset([SessionMetadata])
}

/// Where the store keeps sessions: the pluggable persistence behind ``SessionStore``.
///
/// The store calls a backend from one place at a time (it serialises every call under its
/// own lock), so a backend need not be thread-safe. Writes go through a transaction:
/// ``beginWrite()`` takes exclusive access (across processes, for a shared directory) and
/// reports what others changed since the last call; ``write(_:)`` hands the mutations to the
/// operating system; ``endWrite(index:)`` releases access, or ``abortWrite()`` when the
/// transaction failed. Durability is awaited afterwards, outside
/// the store's lock, through ``durability``, so concurrent writers share one sync.
///
/// Two backends ship: ``FileBackend`` (the default) and ``InMemoryBackend`` (for tests).
public protocol StorageBackend: AnyObject {
    /// A human-readable location for messages (a directory path, or `memory`).
    var location: String { get }
    /// Opens the store and returns every session's metadata, recovering from a crash if needed.
    /// - Throws: ``StoreError`` when the store cannot be opened or read.
    func open() throws(StoreError) -> [SessionMetadata]
    /// Takes exclusive write access and returns the changes other writers made since the last call.
    func beginWrite() throws(StoreError) -> [StorageChange]
    /// Writes mutations (in order) while write access is held; returns a ticket to await durability with, if any.
    func write(_ mutations: [StorageMutation]) throws(StoreError) -> DurabilityTicket?
    /// Releases write access after a successful ``write(_:)``; may compact the log first using
    /// `index` (every current record, including the mutations just written).
    func endWrite(index: () -> [SessionMetadata]) throws(StoreError)
    /// Releases write access after a failed or abandoned transaction, never compacting: the
    /// caller's index may not reflect what reached the log.
    func abortWrite()
    /// The changes other writers made since the last call; cheap when there are none.
    func poll() throws(StoreError) -> [StorageChange]
    /// The stored messages of a session as JSON-lines bytes, exactly `metadata.byteSize` of them.
    func readMessages(_ metadata: SessionMetadata) throws(StoreError) -> [UInt8]
    /// Waits for written tickets to reach stable storage; `nil` when writes are durable on return or never.
    var durability: DurabilityWaiter? { get }
    /// Flushes and closes; `index` is every current record, for a compact restart.
    func close(index: [SessionMetadata]) throws(StoreError)
}

/// A position in a backend's log that a durable write must wait for.
public struct DurabilityTicket: Sendable, Hashable {
    let generation: UInt64
    let offset: Int
}

/// Every record with the index's sort orders (`nil`: not known, to be computed).
typealias IndexImage = (records: [SessionMetadata], orders: SessionIndex.Orders?)

/// A backend that keeps the index's sort orders with it (the file backend's snapshot), so that
/// neither opening nor checkpointing sorts: it builds the index itself and takes the index's
/// own orders when it saves it. ``SessionTable`` reaches it through the extension below.
protocol IndexRestoring: StorageBackend {
    /// Opens as ``StorageBackend/open()`` does and returns the index of the records.
    func openIndex() throws(StoreError) -> SessionIndex
    /// ``StorageBackend/endWrite(index:)`` with the index's orders.
    func endWrite(image: () -> IndexImage) throws(StoreError)
    /// ``StorageBackend/close(index:)`` with the index's orders, built only if it checkpoints.
    func close(image: () -> IndexImage) throws(StoreError)
}

/// A backend whose write access can be taken without waiting, so that a write can run on its
/// caller's thread when nothing else is writing (``SessionTable/writeIfFree(_:)``), instead of
/// queueing behind the store actor. Both shipped backends are; a backend that is not always
/// takes the actor's queue.
protocol NonBlockingWrites: StorageBackend {
    /// ``StorageBackend/beginWrite()`` if the write access is free now and the transaction
    /// will not need to wait for anything (no checkpoint is due, no wait for room or for the
    /// lock's release in ``FileBackend``'s file queue); otherwise `nil`, taking nothing.
    /// It is released with ``StorageBackend/abortWrite()``, without a checkpoint.
    func beginWriteIfFree() throws(StoreError) -> [StorageChange]?
}

extension StorageBackend {
    /// Opens the backend and builds the index (by the backend itself when it can).
    func restoreIndex() throws(StoreError) -> SessionIndex {
        if let restoring = self as? any IndexRestoring { return try restoring.openIndex() }
        return SessionIndex(try open())
    }

    /// ``endWrite(index:)`` from the index (with its orders, when the backend keeps them).
    func endWrite(indexOf index: SessionIndex) throws(StoreError) {
        if let restoring = self as? any IndexRestoring { return try restoring.endWrite { index.image } }
        try endWrite { index.allRecords }
    }

    /// ``close(index:)`` from the index (with its orders, when the backend keeps them).
    func close(indexOf index: SessionIndex) throws(StoreError) {
        if let restoring = self as? any IndexRestoring { return try restoring.close { index.image } }
        try close(index: index.allRecords)
    }
}
