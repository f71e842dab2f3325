/// A backend that keeps everything in memory: for tests and for throwaway stores.
///
/// Every write is "durable" on return in the only sense that applies (nothing is ever on
/// disk); nothing survives the process. It never reports external changes.
public final class InMemoryBackend: StorageBackend {
    private var metadata: [String: SessionMetadata] = [:]
    private var lines: [String: [UInt8]] = [:]

    /// Creates an empty in-memory store.
    public init() {}

    /// Always `memory`.
    public var location: String { "memory" }
    /// Always `nil`: there is nothing to wait for.
    public var durability: DurabilityWaiter? { nil }

    /// Returns what earlier instances stored (nothing, for a new backend).
    public func open() throws(StoreError) -> [SessionMetadata] { Array(metadata.values) }
    /// No other writers exist: always empty.
    public func beginWrite() throws(StoreError) -> [StorageChange] { [] }

    /// Applies the mutations in order.
    public func write(_ mutations: [StorageMutation]) throws(StoreError) -> DurabilityTicket? {
        for mutation in mutations {
            switch mutation {
            case .save(let m, let bytes):
                metadata[m.id] = m
                lines[m.id] = bytes
            case .append(let m, let bytes, let offset):
                metadata[m.id] = m
                lines[m.id] = Array((lines[m.id] ?? []).prefix(offset)) + bytes
            case .update(let m):
                metadata[m.id] = m
            case .delete(let id):
                metadata[id] = nil
                lines[id] = nil
            }
        }
        return nil
    }

    /// Nothing to release.
    public func endWrite(index: () -> [SessionMetadata]) throws(StoreError) {}
    /// No other writers exist: always empty.
    public func poll() throws(StoreError) -> [StorageChange] { [] }

    /// The stored bytes of the session.
    public func readMessages(_ metadata: SessionMetadata) throws(StoreError) -> [UInt8] {
        guard let bytes = lines[metadata.id] else { throw .notFound(id: metadata.id) }
        return Array(bytes.prefix(metadata.byteSize))
    }

    /// Nothing to flush; the content stays for a later ``open()`` of this same instance.
    public func close(index: [SessionMetadata]) throws(StoreError) {}
}
