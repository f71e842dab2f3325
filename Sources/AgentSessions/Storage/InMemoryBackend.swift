import Synchronization

/// A backend that keeps everything in memory: for tests and for throwaway stores.
///
/// Every write is complete on return (there is no disk to wait for) and nothing survives the
/// process. One instance may be handed to successive store actors (return the same instance
/// from ``SessionStore/Configuration/backend``) so that a restarted actor finds what the
/// crashed one wrote, as it would on disk. It never reports external changes.
public final class InMemoryBackend: StorageBackend, Sendable {
    private struct Contents {
        var metadata: [String: SessionMetadata] = [:]
        var lines: [String: [UInt8]] = [:]
    }

    private let contents = Mutex(Contents())

    /// Creates an empty in-memory store.
    public init() {}

    /// Always `memory`.
    public var location: String { "memory" }
    /// Always `nil`: there is nothing to wait for.
    public var durability: DurabilityWaiter? { nil }

    /// Returns everything stored so far (nothing, for a new backend).
    public func open() throws(StoreError) -> [SessionMetadata] { contents.withLock { Array($0.metadata.values) } }
    /// No other writers exist: always empty.
    public func beginWrite() throws(StoreError) -> [StorageChange] { [] }

    /// Applies the mutations in order.
    public func write(_ mutations: [StorageMutation]) throws(StoreError) -> DurabilityTicket? {
        contents.withLock { contents in
            for mutation in mutations {
                switch mutation {
                case .save(let m, let bytes):
                    contents.metadata[m.id] = m
                    contents.lines[m.id] = bytes
                case .append(let m, let bytes, let offset):
                    contents.metadata[m.id] = m
                    contents.lines[m.id] = Array((contents.lines[m.id] ?? []).prefix(offset)) + bytes
                case .update(let m):
                    contents.metadata[m.id] = m
                case .delete(let id):
                    contents.metadata[id] = nil
                    contents.lines[id] = nil
                }
            }
        }
        return nil
    }

    /// Nothing to release.
    public func endWrite(index: () -> [SessionMetadata]) throws(StoreError) {}
    /// Nothing to release.
    public func abortWrite() {}
    /// No other writers exist: always empty.
    public func poll() throws(StoreError) -> [StorageChange] { [] }

    /// The stored bytes of the session.
    public func readMessages(_ metadata: SessionMetadata) throws(StoreError) -> [UInt8] {
        let bytes = contents.withLock { $0.lines[metadata.id] }
        guard let bytes else { throw .notFound(id: metadata.id) }
        return Array(bytes.prefix(metadata.byteSize))
    }

    /// Nothing to flush; the content stays for a later ``open()`` of this same instance.
    public func close(index: [SessionMetadata]) throws(StoreError) {}
}

extension InMemoryBackend: NonBlockingWrites {
    func beginWriteIfFree() throws(StoreError) -> [StorageChange]? { [] }
}
