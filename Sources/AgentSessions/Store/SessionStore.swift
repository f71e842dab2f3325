import Foundation
import Supervision
import Synchronization

/// A running session store: the facade for apps and scripts.
///
/// `SessionStore.start(_:)` starts a supervision tree (strategy `restForOne`): the
/// ``SessionStoreActor`` (the GenServer that owns all writes), then the periodic cleanup child.
/// Reads (``session(_:)``, ``search(_:)``, ``listSessions(limit:cursor:)``, ``loadSession(_:)``,
/// ``stats()``) go straight to the shared index without queueing behind the actor. A save,
/// append, delete or tag runs its transaction on the caller's thread when nothing would make it
/// wait (no other write holds the store in this or another process, no checkpoint is due), and
/// otherwise goes to the actor through a stable handle; cleanups and imports always go to the
/// actor. Writes survive the actor's restarts: one issued while the actor restarts waits for the
/// new instance.
///
/// Cancellation and timeouts, for every call:
/// - Cancelling the calling task does not interrupt a call. A write that has started completes
///   (and, in durable mode, waits for its sync), because returning early would report it as
///   failed or durable when it is neither.
/// - ``Configuration/callTimeout`` bounds only the wait for a running store actor: a write that
///   goes to the actor, or a read that finds the actor crashed, while the tree restarts it.
///   Past it the call fails with ``StoreError/unavailable(reason:)``; a write that was already
///   queued may still happen. A call that finds the store running never waits for the timeout.
/// - After ``shutdown()``, or once the tree has given up after too many crashes, every call
///   fails at once with ``StoreError/unavailable(reason:)``.
///
/// Scripts that do not manage a store can use the static calls (``search(tags:matchAll:limit:)``,
/// ``saveSession(_:messages:tags:summary:)``, ``loadSession(_:)``, ...), which start a default
/// tree at the default location on first use and close it cleanly at process exit.
public final class SessionStore: Sendable {
    /// The configuration this store was started with.
    public let configuration: Configuration
    private let supervisor: Supervisor
    let store: ChildHandle<SessionStoreActor>
    /// Why the tree stopped (shut down, or failed after too many restarts); `nil` while it runs.
    private let termination = Mutex<String?>(nil)

    /// The supervision tree's events: starts, exits (with reasons), restarts, shutdown.
    public var events: AsyncStream<SupervisorEvent> { supervisor.events }

    private init(configuration: Configuration, supervisor: Supervisor, store: ChildHandle<SessionStoreActor>) {
        self.configuration = configuration
        self.supervisor = supervisor
        self.store = store
        Task { [weak self] in
            let reason: String
            do {
                try await supervisor.awaitTermination()
                reason = "the store has been shut down"
            } catch {
                reason = "the store stopped after repeated failures: \(error)"
            }
            self?.termination.withLock { $0 = reason }
            // Calls that found the actor stopping and wait for a replacement: none will come.
            store.retire(StoreError.unavailable(reason: reason))
        }
    }

    private func checkRunning() throws(StoreError) {
        if let reason = termination.withLock({ $0 }) { throw .unavailable(reason: reason) }
    }

    /// Starts a store tree and returns when the store is open.
    ///
    /// Opening recovers the store from disk (the index snapshot plus the log since it, or a
    /// full rebuild from the session files when the snapshot is missing or damaged).
    /// - Throws: ``StoreError`` if the store cannot be opened (for example `read_only`,
    ///   `unsupported_format`, `storage_failure` with the path and OS error).
    public static func start(_ configuration: Configuration = Configuration()) async throws(StoreError) -> SessionStore {
        let registry = ChildRegistry(clock: configuration.clock)
        let handle = registry.handle("store", as: SessionStoreActor.self)
        var children: [ChildSpec] = [
            .worker(id: "store", restart: .permanent, shutdown: .timeout(.seconds(30))) {
                try SessionStoreActor(configuration: configuration)
            }
        ]
        if let policy = configuration.cleanup {
            children.append(.worker(id: "cleanup", restart: .permanent) {
                CleanupWorker(store: handle, policy: policy, clock: configuration.clock, onCleanup: configuration.onCleanup)
            })
        }
        let supervisor = Supervisor(
            name: "agent-sessions", strategy: .restForOne, intensity: configuration.restartIntensity,
            clock: configuration.clock, registry: registry, children: children)
        do { try await supervisor.start() } catch {
            throw Self.storeError(error)
        }
        return SessionStore(configuration: configuration, supervisor: supervisor, store: handle)
    }

    /// Stops the tree: the cleanup child, then the store actor, which checkpoints and closes
    /// its files. Later calls fail with ``StoreError/unavailable(reason:)``.
    public func shutdown() async {
        await supervisor.shutdown()
    }

    /// Where this store keeps its data, as its backend names it (a directory path, or `memory`).
    public var location: String { store.instance?.table.location ?? configuration.resolvedDirectory }

    // MARK: Reads (no actor hop)

    private func read<R>(_ body: (SessionTable) throws(StoreError) -> R) async throws(StoreError) -> R {
        try checkRunning()
        let instance = store.instance
        if let table = instance?.table, table.isOpen {
            do { return try body(table) } catch {
                // The instance crashed under us: once more, on its replacement.
                guard case .unavailable = error, instance?.hasCrashed == true else { throw error }
            }
        }
        return try body(try await call { $0.table })
    }

    /// The metadata of a session.
    /// - Throws: ``StoreError/notFound(id:)``; ``StoreError/unavailable(reason:)`` after shutdown.
    public func session(_ id: String) async throws(StoreError) -> SessionMetadata {
        try await read { (table) throws(StoreError) in
            guard let metadata = try table.metadata(id) else { throw .notFound(id: id) }
            return metadata
        }
    }

    /// A session's metadata and all of its messages, in order.
    ///
    /// Served from the message cache when the session was loaded or written recently.
    /// - Throws: ``StoreError/notFound(id:)``; ``StoreError/corrupted(path:reason:quarantinedAt:)``
    ///   when the stored file does not parse.
    public func loadSession(_ id: String) async throws(StoreError) -> StoredSession {
        try await read { (table) throws(StoreError) in
            let (metadata, messages) = try table.load(id)
            return StoredSession(metadata: metadata, messages: messages)
        }
    }

    /// Waits until the session files of every acknowledged write are written (they are written
    /// just after the write returns: `Docs/Architecture.md`, "A save"), for tests that look at the files.
    package func settleFiles() async throws(StoreError) {
        try await read { (table) throws(StoreError) in try table.settleFiles() }
    }

    /// Sessions, most recently updated first, `limit` at a time.
    /// - Parameters:
    ///   - limit: page size; `nil` for all.
    ///   - cursor: the ``SessionPage/nextCursor`` of the previous page.
    public func listSessions(limit: Int? = nil, cursor: SessionCursor? = nil) async throws(StoreError) -> SessionPage {
        try await search(SessionQuery(limit: limit, cursor: cursor))
    }

    /// Runs a query; see ``SessionQuery`` for the semantics of each field.
    public func search(_ query: SessionQuery) async throws(StoreError) -> SessionPage {
        try await read { (table) throws(StoreError) in try table.search(query) }
    }

    /// Sessions carrying any (or, with `matchAll`, all) of `tags`, most recently updated first.
    public func search(tags: [String], matchAll: Bool = false, limit: Int? = nil) async throws(StoreError) -> [SessionMetadata] {
        try await search(SessionQuery(tags: tags, tagMatch: matchAll ? .all : .any, limit: limit)).sessions
    }

    /// Counts and totals over the whole store.
    public func stats() async throws(StoreError) -> StoreStats {
        let snapshot = try await read { (table) throws(StoreError) in try table.snapshot() }
        let records = snapshot.records
        return StoreStats(
            location: location, durability: configuration.durability, sessions: records.count,
            messages: records.reduce(0) { $0 + $1.messageCount }, bytes: records.reduce(0) { $0 + $1.byteSize },
            totalCostUSD: records.reduce(0) { $0 + $1.totalCostUSD }, tags: snapshot.tags,
            oldestUpdate: records.map(\.updatedAt).min(), newestUpdate: records.map(\.updatedAt).max(),
            cachedSessions: snapshot.cached, cachedBytes: snapshot.cachedBytes)
    }

    // MARK: Writes (on the caller's thread when free, else through the store actor)

    /// Commits a save, append, delete or tag: on the caller's thread when the store can take it
    /// without waiting (no other write in this process or another holds the store, no checkpoint
    /// is due), which saves two thread hops; otherwise on the store actor's queue, as ``call(_:)``.
    /// Both run the same transaction, and a storage failure crashes the actor either way.
    private func write<W: StoreWrite>(_ write: W) async throws(StoreError) -> W.Result {
        try checkRunning()
        if let instance = store.instance, !instance.hasCrashed {
            do {
                if let result = try await instance.commitIfFree(write) { return result }
            } catch {
                // The instance crashed under us (another call's failure): once more, on its replacement.
                guard case .unavailable = error, instance.hasCrashed else { throw error }
            }
        }
        return try await call { (actor) throws(StoreError) in try await actor.commit(write) }
    }

    /// Calls the store actor through its handle. A call that reaches an instance which has
    /// crashed but not yet been replaced waits for the replacement (within the call timeout)
    /// and runs there, so only the write that hit the failure sees it.
    private func call<R: Sendable>(_ body: @escaping @Sendable (SessionStoreActor) async throws(StoreError) -> R) async throws(StoreError) -> R {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: configuration.callTimeout)
        var stale: SessionStoreActor?
        while true {
            try checkRunning()
            let crashedInstance: Mutex<SessionStoreActor?> = Mutex(nil)
            do {
                // After a crashed instance, wait (no polling) for the supervisor to publish its replacement.
                return try await store.call(timeout: clock.now.duration(to: deadline), skipping: stale) { actor in
                    if actor.hasCrashed {
                        crashedInstance.withLock { $0 = actor }
                        throw StoreError.unavailable(reason: "the store actor is restarting")
                    }
                    do throws(StoreError) { return try await body(actor) } catch {
                        // Closed under us by another call's failure (one on a caller's thread can
                        // land at any moment): run on the replacement instead.
                        if case .unavailable = error, actor.hasCrashed { crashedInstance.withLock { $0 = actor } }
                        throw error
                    }
                }
            } catch {
                guard let crashed = crashedInstance.withLock({ $0 }) else { throw Self.storeError(error) }
                stale = crashed
            }
        }
    }

    static func storeError(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        if case SupervisionError.startFailed(_, let underlying) = error, let store = underlying as? StoreError { return store }
        return .unavailable(reason: "\(error)")
    }

    /// Saves a session (replacing one with the same id, keeping its `createdAt`).
    /// See ``SessionStoreActor/saveSession(_:messages:tags:summary:createdAt:updatedAt:)``.
    /// - Throws: ``StoreError``; ``StoreError/unavailable(reason:)`` if the store actor does not
    ///   answer within ``Configuration/callTimeout`` (the write may still happen).
    @discardableResult
    public func saveSession(
        _ id: String, messages: [Message], tags: [String] = [], summary: String? = nil,
        createdAt: Date? = nil, updatedAt: Date? = nil
    ) async throws(StoreError) -> SessionMetadata {
        let prepared = try PreparedSave(id, messages: messages, tags: tags, summary: summary, createdAt: createdAt, updatedAt: updatedAt)
        return try await write(prepared)
    }

    /// Saves a session from JSON-lines bytes (as a transcript file or `stream-json` output holds them).
    ///
    /// Text already in the stored form (one JSON object per line, each line starting with `{`, a
    /// `\n` after the last) is validated line by line and stored byte for byte; only the lines its
    /// metadata depends on are decoded. Anything else is parsed with ``MessageReader`` in strict
    /// mode and the messages re-encoded. Both happen on the caller's task, not the store actor's.
    /// Otherwise as ``saveSession(_:messages:tags:summary:createdAt:updatedAt:)``.
    /// - Parameters:
    ///   - id: the session id (validated: see `Docs/StorageFormat.md`).
    ///   - jsonLines: the whole conversation as JSON lines (UTF-8), in order.
    ///   - tags: the session's tags (replacing any it had).
    ///   - summary: a summary; `nil` derives one from the first prompt.
    ///   - createdAt: when it was created, for a new session; default now. Ignored when the id exists.
    ///   - updatedAt: default now.
    /// - Returns: the stored metadata.
    /// - Throws: ``StoreError/invalidMessage(id:index:reason:)`` naming the first line that does
    ///   not parse (nothing is written); the errors of the other `saveSession`, including
    ///   ``StoreError/unavailable(reason:)`` when the store actor does not answer within
    ///   ``Configuration/callTimeout`` (the write may still happen). Cancelling the calling task
    ///   does not interrupt a write that has started (see ``SessionStore``).
    @discardableResult
    public func saveSession(
        _ id: String, jsonLines: [UInt8], tags: [String] = [], summary: String? = nil,
        createdAt: Date? = nil, updatedAt: Date? = nil
    ) async throws(StoreError) -> SessionMetadata {
        // Scanned or parsed here, off the store actor.
        let prepared = try PreparedSave(
            id, jsonLines: jsonLines, tags: tags, summary: summary, createdAt: createdAt, updatedAt: updatedAt)
        return try await write(prepared)
    }

    /// Appends messages to a stored session. See ``SessionStoreActor/appendMessages(_:_:at:)``.
    @discardableResult
    public func appendMessages(_ id: String, _ messages: [Message], at: Date? = nil) async throws(StoreError) -> SessionMetadata {
        let prepared = try PreparedAppend(id, messages: messages, at: at)
        return try await write(prepared)
    }

    /// Deletes a session. - Throws: ``StoreError/notFound(id:)``.
    public func deleteSession(_ id: String) async throws(StoreError) {
        try await write(try PreparedDelete(id))
    }

    /// Adds and removes tags. See ``SessionStoreActor/tagSession(_:add:remove:)``.
    @discardableResult
    public func tagSession(_ id: String, add: [String] = [], remove: [String] = []) async throws(StoreError) -> SessionMetadata {
        try await write(try PreparedTag(id, add: add, remove: remove))
    }

    /// Deletes sessions not updated within `maxAge`. See ``SessionStoreActor/cleanupOldSessions(maxAge:dryRun:now:)``.
    @discardableResult
    public func cleanupOldSessions(maxAge: Duration, dryRun: Bool = false, now: Date? = nil) async throws(StoreError) -> CleanupReport {
        try await call { (actor) throws(StoreError) in try await actor.cleanupOldSessions(maxAge: maxAge, dryRun: dryRun, now: now) }
    }

    /// Writes the given sessions (all when `ids` is `nil`) to a portable archive at `path`.
    ///
    /// The archive is JSON lines with a versioned header (see `Docs/StorageFormat.md`), written to a
    /// temporary file and renamed into place. - Returns: the number of sessions exported.
    /// - Throws: ``StoreError/notFound(id:)`` for an unknown id (nothing is written); storage errors.
    @discardableResult
    public func exportSessions(ids: [String]? = nil, to path: String) async throws(StoreError) -> Int {
        var selected: [String]
        if let ids { selected = ids } else { selected = try await search(SessionQuery(sort: .createdAtAscending)).sessions.map(\.id) }
        var entries: [SessionArchive.Entry] = []
        for id in selected {
            let stored = try await loadSession(id)
            entries.append(SessionArchive.Entry(metadata: stored.metadata, messages: stored.messages))
        }
        let url = URL(fileURLWithPath: path)
        try FileIO().writeAtomically(SessionArchive(entries: entries).encoded(), to: url.path,
                                  directory: url.deletingLastPathComponent().path, sync: configuration.durability.syncs)
        return entries.count
    }

    /// Imports an archive written by ``exportSessions(ids:to:)``.
    ///
    /// The whole archive is validated first (header and version, every id, every message, no
    /// duplicate ids, the declared count); any problem throws ``StoreError/invalidArchive(path:line:reason:)``
    /// and nothing is written, as does a `path` that is missing or not a regular file (a symbolic
    /// link is not followed, a FIFO not waited on). Then sessions are written in one transaction.
    /// - Parameter overwrite: replace stored sessions whose content differs (default: report them as conflicts).
    public func importSessions(from path: String, overwrite: Bool = false) async throws(StoreError) -> ImportReport {
        let read: [UInt8]?
        do { read = try FileIO().readFile(path) } catch {
            guard case .unsafePath = error else { throw error }
            throw .invalidArchive(path: path, line: 0, reason: "not a regular file (a symbolic link, which is not followed, a directory or a FIFO)")
        }
        guard let bytes = read else { throw .invalidArchive(path: path, line: 0, reason: "no such file") }
        let archive = try SessionArchive.decode(bytes, path: path)
        return try await call { (actor) throws(StoreError) in try await actor.importArchive(archive, overwrite: overwrite) }
    }
}

/// A stored session: its metadata and its messages.
public struct StoredSession: Sendable, Hashable {
    /// What the index knows about the session.
    public var metadata: SessionMetadata
    /// Every message, in order, exactly as saved.
    public var messages: [Message]
}

/// Counts and totals over a store.
public struct StoreStats: Sendable, Hashable {
    /// The store directory, or `memory`.
    public var location: String
    /// The durability of writes.
    public var durability: Durability
    /// The number of sessions.
    public var sessions: Int
    /// The number of messages over all sessions.
    public var messages: Int
    /// The bytes of stored message files.
    public var bytes: Int
    /// The sum of the sessions' costs, USD.
    public var totalCostUSD: Double
    /// Each tag with the number of sessions carrying it.
    public var tags: [String: Int]
    /// The oldest `updatedAt`, if any session exists.
    public var oldestUpdate: Date?
    /// The newest `updatedAt`, if any session exists.
    public var newestUpdate: Date?
    /// Sessions whose messages are in the cache.
    public var cachedSessions: Int
    /// The memory the cache holds, in bytes (the cached sessions' JSON text plus one list element per message).
    public var cachedBytes: Int
}
