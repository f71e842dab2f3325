import Foundation
import Synchronization

/// The shared, lock-protected state of an open store: the index, the message cache and the backend.
///
/// This is the ETS table of the design. Readers (``SessionStore``'s lookups, searches, lists
/// and loads) use it directly from any thread, without queueing behind the store actor; writes
/// run their transactions on it too, on the caller's thread (``writeIfFree(_:)``) or on the
/// store actor's queue (``write(_:)``). Every call first follows what other processes wrote
/// (``StorageBackend/poll()``), so a process sees the others' acknowledged changes on its next
/// operation. The lock is held for the duration of one backend call, never across an `await`.
final class SessionTable: Sendable {
    private struct State {
        var index: SessionIndex
        var cache: MessageCache
        var backend: BackendBox?

        /// Lets go of the backend and the cached messages (the table is closed).
        mutating func close() {
            backend = nil
            cache.removeAll()
        }
    }

    /// Holds the (non-Sendable) backend. `@unchecked Sendable` because it is only reached
    /// through `SessionTable.state`, inside `withLock`: that lock serialises every use.
    private final class BackendBox: @unchecked Sendable {
        let backend: any StorageBackend
        init(_ backend: any StorageBackend) { self.backend = backend }
    }

    private let state: Mutex<State>
    /// Group-commit waiter of the backend, awaited outside the lock.
    let durability: DurabilityWaiter?
    let location: String

    /// Opens `backend` and loads its index.
    init(backend: any StorageBackend, cacheBytes: Int) throws(StoreError) {
        let index = try backend.restoreIndex()
        durability = backend.durability
        location = backend.location
        state = Mutex(State(index: index, cache: MessageCache(capacity: cacheBytes), backend: BackendBox(backend)))
    }

    private func withOpenState<R: Sendable>(_ body: (inout State, any StorageBackend) throws(StoreError) -> R) throws(StoreError) -> R {
        try state.withLock { state in Self.runOpen(&state, location, body) }.get()
    }

    /// ``withOpenState(_:)`` if no other thread holds the table; `nil` (nothing done) if one does.
    private func withOpenStateIfAvailable<R: Sendable>(
        _ body: (inout State, any StorageBackend) throws(StoreError) -> R
    ) throws(StoreError) -> R? {
        try state.withLockIfAvailable { state in Self.runOpen(&state, location, body) }?.get()
    }

    private static func runOpen<R>(
        _ state: inout State, _ location: String, _ body: (inout State, any StorageBackend) throws(StoreError) -> R
    ) -> Result<R, StoreError> {
        guard let backend = state.backend?.backend else { return .failure(.unavailable(reason: "the store at \(location) is closed")) }
        return Result { () throws(StoreError) in try body(&state, backend) }
    }

    private static func follow(_ changes: [StorageChange], _ state: inout State) {
        for change in changes {
            switch change {
            case .upsert(let m):
                state.index.upsert(m)
                state.cache.remove(m.id)
            case .remove(let id):
                state.index.remove(id)
                state.cache.remove(id)
            case .reset(let records):
                state.index = SessionIndex(records)
                state.cache.removeAll()
            }
        }
    }

    // MARK: Reads

    /// The metadata of one session, or `nil`.
    func metadata(_ id: String) throws(StoreError) -> SessionMetadata? {
        try withOpenState { (state, backend) throws(StoreError) in
            Self.follow(try backend.poll(), &state)
            return state.index[id]
        }
    }

    /// Runs a query against the index.
    func search(_ query: SessionQuery) throws(StoreError) -> SessionPage {
        try withOpenState { (state, backend) throws(StoreError) in
            Self.follow(try backend.poll(), &state)
            return state.index.search(query)
        }
    }

    /// A consistent copy of every record and the tag counts.
    func snapshot() throws(StoreError) -> (records: [SessionMetadata], tags: [String: Int], cachedBytes: Int, cached: Int) {
        try withOpenState { (state, backend) throws(StoreError) in
            Self.follow(try backend.poll(), &state)
            return (state.index.allRecords, state.index.tagCounts, state.cache.usedBytes, state.cache.count)
        }
    }

    /// A session's metadata and messages, from the cache or from the backend.
    ///
    /// Parsing happens under the lock so a concurrent write cannot interleave between reading
    /// the file and caching what was read.
    func load(_ id: String) throws(StoreError) -> (SessionMetadata, [Message]) {
        try withOpenState { (state, backend) throws(StoreError) in
            Self.follow(try backend.poll(), &state)
            guard let metadata = state.index[id] else { throw .notFound(id: id) }
            if let messages = state.cache.get(id) { return (metadata, messages) }
            let bytes: [UInt8]
            do throws(StoreError) { bytes = try backend.readMessages(metadata) } catch {
                // Another process may have rewritten or deleted the file after we followed its
                // log (the file then looks short or gone): follow the log once more and retry.
                switch error {
                case .corrupted, .notFound: break
                default: throw error
                }
                Self.follow(try backend.poll(), &state)
                guard let fresh = state.index[id] else { throw .notFound(id: id) }
                bytes = try backend.readMessages(fresh)
            }
            let metadataNow = state.index[id] ?? metadata
            let messages = try MessageLines.decode(bytes, id: id, path: backend.location)
            state.cache.put(id, messages, bytes: bytes.count, segment: .probation)
            return (metadataNow, messages)
        }
    }

    /// Waits until the backend has written the session files of every logged record.
    func settleFiles() throws(StoreError) {
        try withOpenState { (_, backend) throws(StoreError) in try (backend as? FileBackend)?.settle() }
    }

    // MARK: Writes

    /// What a write transaction does, computed from the current index: the mutations to write,
    /// the cache updates to make, and the result to return.
    typealias Plan<R> = (SessionIndex) throws(StoreError) -> (mutations: [StorageMutation], cache: [CacheUpdate], result: R)

    /// One write transaction: takes the backend's write access (waiting for other processes),
    /// follows other writers, lets `plan` compute the mutations from the current index, writes
    /// them and applies them to the index and cache. Returns `plan`'s result and the durability
    /// ticket to await.
    func write<R: Sendable>(_ plan: Plan<R>) throws(StoreError) -> (result: R, ticket: DurabilityTicket?) {
        let done = try withOpenState { (state, backend) throws(StoreError) in
            try Self.transact(&state, backend, begin: { () throws(StoreError) in try backend.beginWrite() }, plan,
                              endWrite: { (index) throws(StoreError) in try backend.endWrite(indexOf: index) })
        }
        return done!  // `beginWrite` waits: the access is always taken
    }

    /// ``write(_:)`` if it can run now without waiting for anything: `nil`, having done nothing,
    /// when another thread holds the table, another process holds the store's write lock, a
    /// checkpoint is due, or the backend cannot take its write access without waiting.
    func writeIfFree<R: Sendable>(_ plan: Plan<R>) throws(StoreError) -> (result: R, ticket: DurabilityTicket?)? {
        let done = try withOpenStateIfAvailable { (state, backend) throws(StoreError) -> (result: R, ticket: DurabilityTicket?)? in
            guard let nonBlocking = backend as? any NonBlockingWrites else { return nil }
            // Released without a checkpoint: one that has become due is left to the next write that may wait.
            return try Self.transact(&state, backend, begin: { () throws(StoreError) in try nonBlocking.beginWriteIfFree() }, plan,
                                     endWrite: { _ in backend.abortWrite() })
        }
        return done ?? nil
    }

    /// One transaction on the locked table: take the backend's write access with `begin` (`nil`:
    /// not available now, nothing done), follow what changed, plan, write, apply, and release
    /// with `endWrite` given the new index (or, on any failure, with `abortWrite`, which does not
    /// checkpoint an index that may not hold what reached the log).
    ///
    /// A storage failure or corruption closes the table before its lock is released: memory and
    /// disk may disagree, so no other write (on another thread, or queued on the actor) may run
    /// on this state; the store actor then crashes and its replacement rebuilds from disk.
    private static func transact<R>(
        _ state: inout State, _ backend: any StorageBackend, begin: () throws(StoreError) -> [StorageChange]?,
        _ plan: Plan<R>, endWrite: (SessionIndex) throws(StoreError) -> Void
    ) throws(StoreError) -> (result: R, ticket: DurabilityTicket?)? {
        do throws(StoreError) {
            guard let changes = try begin() else { return nil }
            return try transactOpen(&state, backend, changes: changes, plan, endWrite: endWrite)
        } catch {
            if error.leavesStateUnknown { state.close() }
            throw error
        }
    }

    private static func transactOpen<R>(
        _ state: inout State, _ backend: any StorageBackend, changes: [StorageChange], _ plan: Plan<R>,
        endWrite: (SessionIndex) throws(StoreError) -> Void
    ) throws(StoreError) -> (result: R, ticket: DurabilityTicket?) {
        var released = false
        defer { if !released { backend.abortWrite() } }
        follow(changes, &state)
        let planned = try plan(state.index)
        let ticket = planned.mutations.isEmpty ? nil : try backend.write(planned.mutations)
        for mutation in planned.mutations {
            switch mutation {
            case .save(let m, _):
                state.index.upsert(m)
                state.cache.remove(m.id)  // replaced messages; a `.replace` cache update may cache the new ones
            case .append(let m, _, _), .update(let m): state.index.upsert(m)
            case .delete(let id):
                state.index.remove(id)
                state.cache.remove(id)
            }
        }
        for update in planned.cache {
            switch update {
            case .replace(let id, let messages, let bytes): state.cache.put(id, messages, bytes: bytes)
            case .append(let id, let messages, let bytes): state.cache.append(id, messages, bytes: bytes)
            }
        }
        released = true
        try endWrite(state.index)
        return (planned.result, ticket)
    }

    enum CacheUpdate {
        case replace(id: String, messages: [Message], bytes: Int)
        case append(id: String, messages: [Message], bytes: Int)
    }

    /// Closes the backend. `clean`: checkpoint first (a normal shutdown); otherwise (after a
    /// crash, when memory may disagree with disk) just let go of the files.
    func close(clean: Bool) {
        state.withLock { state in
            guard let backend = state.backend else { return }
            if clean { try? backend.backend.close(indexOf: state.index) }
            state.close()
        }
    }

    var isOpen: Bool { state.withLock { $0.backend != nil } }
}
