import Foundation
import Supervision
import Synchronization

/// The session store's GenServer: the one writer of a store, run as a supervised child.
///
/// Every write (save, append, delete, tag, cleanup, import) is a method of this actor. Writes
/// from one process are serialised by the table's lock, and writes from several processes by
/// the backend's lock. Reads do not come here: they go straight to ``SessionTable`` (the
/// index), as Elixir reads go straight to ETS. ``SessionStore`` also runs a save, append, delete
/// or tag on its caller's thread when it can do so without waiting (the table and the store's
/// lock are free and no checkpoint is due: ``commitIfFree(_:)``), and queues it here otherwise;
/// both paths run the same transaction and crash the actor the same way.
///
/// Crashes: when a write fails in a way that may leave memory and disk apart (a storage
/// failure after the log record was written, a failed sync), the actor makes its ``run()``
/// throw. Its supervisor then starts a new instance, which rebuilds its state from disk; the
/// caller of the failed write gets the error; everything acknowledged before is intact.
///
/// Re-entrancy: no method suspends between reading the index and writing the backend (that
/// happens in one locked transaction); the only `await` is the durability wait afterwards,
/// during which other writes may proceed and share the next sync (group commit).
public actor SessionStoreActor: SupervisedChild {
    // The actor's own serial queue: its blocking file I/O (and `flock` waits on other
    // processes) runs there, never on Swift's small cooperative thread pool.
    private nonisolated let executor = QueueExecutor(label: "agent-sessions.store")
    /// Runs this actor on its own serial dispatch queue (see `QueueExecutor`).
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    nonisolated let table: SessionTable
    nonisolated let now: @Sendable () -> Date
    private let crashes = AsyncStream<StoreError>.makeStream()
    private let crashed = Mutex(false)

    /// Whether this instance has crashed and is waiting to be replaced by its supervisor.
    nonisolated var hasCrashed: Bool { crashed.withLock { $0 } }

    /// Prepared writes committed on the actor's queue rather than on their caller's thread (tests).
    nonisolated let queuedWrites = Atomic(0)

    /// Opens the store described by `configuration` (recovering it from disk).
    /// - Throws: ``StoreError`` when the store cannot be opened.
    public init(configuration: SessionStore.Configuration) throws(StoreError) {
        let backend = configuration.makeBackend()
        table = try SessionTable(backend: backend, cacheBytes: configuration.cacheBytes)
        now = configuration.now
    }

    /// Runs until shut down (cancelled: the store is checkpointed and closed) or until a write
    /// detects that memory and disk may disagree (throws that error: the files are closed
    /// without a checkpoint, and the supervisor restarts the store from disk).
    public func run() async throws {
        for await error in crashes.stream { throw error }
        table.close(clean: true)
    }

    /// Fails this instance: the supervisor will replace it with one rebuilt from disk.
    private nonisolated func crash(_ error: StoreError) -> StoreError {
        crashed.withLock { $0 = true }
        table.close(clean: false)
        crashes.continuation.yield(error)
        return error
    }

    /// Runs a write transaction on the actor and waits for durability; storage failures crash the actor.
    private func commit<R: Sendable>(_ plan: SessionTable.Plan<R>) async throws(StoreError) -> R {
        let outcome = try transaction { () throws(StoreError) in try table.write(plan) }
        try await waitDurable(outcome.ticket)
        return outcome.result
    }

    /// Commits a prepared write on the actor (waiting for the store's lock if another process
    /// holds it), planning it again if its plan finds the state it was prepared on has changed.
    func commit<W: StoreWrite>(_ write: W) async throws(StoreError) -> W.Result {
        queuedWrites.add(1, ordering: .relaxed)
        while true {
            if let result = try await commit(try write.plan(self)) { return result }
        }
    }

    /// Commits a prepared write on the caller's thread if that needs no waiting (see
    /// ``SessionTable/writeIfFree(_:)``) and the write is small (``StoreWrite/runsOnCaller``);
    /// `nil`, having done nothing, otherwise. The durability wait (durable mode) is the same as
    /// on the actor, and so are crashes.
    nonisolated func commitIfFree<W: StoreWrite>(_ write: W) async throws(StoreError) -> W.Result? {
        guard write.runsOnCaller else { return nil }
        while true {
            let plan = try write.plan(self)
            guard let outcome = try transaction({ () throws(StoreError) in try table.writeIfFree(plan) }) else { return nil }
            try await waitDurable(outcome.ticket, syncHereIfIdle: true)
            if let result = outcome.result { return result }
        }
    }

    /// Runs a transaction; an error that may leave memory and disk apart crashes the actor.
    private nonisolated func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        do { return try body() } catch {
            throw error.leavesStateUnknown ? crash(error) : error
        }
    }

    /// Waits until `ticket` is durable (durable mode); a failed sync crashes the actor. With
    /// `syncHereIfIdle` (a write on the caller's thread), the caller syncs the log itself when no
    /// group-commit round is running (``DurabilityWaiter/syncIfIdle(_:)``).
    private nonisolated func waitDurable(_ ticket: DurabilityTicket?, syncHereIfIdle: Bool = false) async throws(StoreError) {
        guard let ticket, let durability = table.durability else { return }
        do {
            if syncHereIfIdle, try durability.syncIfIdle(ticket) { return }
            try await durability.wait(for: ticket)
        } catch {
            throw crash(error as? StoreError ?? .unavailable(reason: "\(error)"))
        }
    }

    // MARK: Writes

    /// Saves a session, replacing any stored one with the same id but keeping its `createdAt`.
    ///
    /// Metadata is derived from the messages: the cost as ``SessionMetadata/totalCostUSD`` says
    /// (each agent process's last result, summed), the turns, model and summary with
    /// ``Session/summarize(_:)``.
    /// - Parameters:
    ///   - id: the session id (validated: see `Docs/StorageFormat.md`).
    ///   - messages: the whole conversation, in order.
    ///   - tags: the session's tags (replacing any it had).
    ///   - summary: a summary; `nil` derives one from the first prompt.
    ///   - createdAt: when it was created, for a new session; default now. Ignored when the id exists.
    ///   - updatedAt: default now.
    /// - Returns: the stored metadata.
    /// - Throws: ``StoreError/invalidID(id:reason:)``, ``StoreError/invalidTag(tag:reason:)``,
    ///   ``StoreError/storageFailure(path:operation:errno:)`` (the actor then restarts).
    ///   Cancellation does not interrupt a started write.
    public func saveSession(
        _ id: String, messages: [Message], tags: [String] = [], summary: String? = nil,
        createdAt: Date? = nil, updatedAt: Date? = nil
    ) async throws(StoreError) -> SessionMetadata {
        try await commit(PreparedSave(id, messages: messages, tags: tags, summary: summary, createdAt: createdAt, updatedAt: updatedAt))
    }

    /// Appends messages to a stored session; `updatedAt` becomes `at` (default now).
    ///
    /// Turn counts add up. When a `result` is appended, the cost is recomputed as the sum of each
    /// agent process's last result (see `SessionCost`), so a resumed session adds its new run's cost.
    /// - Throws: ``StoreError/notFound(id:)`` when the session does not exist; storage errors as for save.
    ///   Appending a `result` reads the stored messages first: when they cannot be read (for
    ///   example ``StoreError/corrupted(path:reason:quarantinedAt:)``), that error, with nothing written.
    public func appendMessages(_ id: String, _ messages: [Message], at: Date? = nil) async throws(StoreError) -> SessionMetadata {
        try await commit(PreparedAppend(id, messages: messages, at: at))
    }

    /// Deletes a session.
    /// - Throws: ``StoreError/notFound(id:)`` when there is no such session.
    public func deleteSession(_ id: String) async throws(StoreError) {
        try await commit(PreparedDelete(id))
    }

    /// Adds and removes tags (removal wins when a tag is in both). `updatedAt` is not changed:
    /// re-tagging is not activity, so it neither reorders the list nor saves a session from cleanup.
    /// - Throws: ``StoreError/notFound(id:)``, ``StoreError/invalidTag(tag:reason:)``.
    public func tagSession(_ id: String, add: [String] = [], remove: [String] = []) async throws(StoreError) -> SessionMetadata {
        try await commit(PreparedTag(id, add: add, remove: remove))
    }

    /// Deletes every session not updated within `maxAge` of `now` (`updatedAt < now - maxAge`).
    ///
    /// All deletions are one log write and, in durable mode, one sync.
    /// - Parameters:
    ///   - maxAge: the age limit (the Elixir default is 30 days).
    ///   - dryRun: report what would be deleted without deleting it.
    ///   - now: the reference instant; default the store's clock.
    /// - Returns: what was (or would be) deleted, oldest first.
    public func cleanupOldSessions(maxAge: Duration, dryRun: Bool = false, now reference: Date? = nil) async throws(StoreError) -> CleanupReport {
        let cutoff = (reference ?? now()).addingTimeInterval(-Self.seconds(maxAge))
        return try await commit { index in
            let old = index.updated(before: cutoff)
            let report = CleanupReport(cutoff: cutoff, sessions: old, dryRun: dryRun)
            return (dryRun ? [] : old.map { .delete(id: $0.id) }, [], report)
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Imports a validated archive (see ``SessionArchive``): new sessions are saved, identical ones
    /// (same messages and tags) left alone, and ones that differ are conflicts, overwritten only
    /// with `overwrite`. All writes are one log write and, in durable mode, one sync.
    func importArchive(_ archive: SessionArchive, overwrite: Bool) async throws(StoreError) -> ImportReport {
        // Compare with what is stored before the transaction (reading files inside it would hold
        // the lock for long); inside, a session whose metadata changed meanwhile is a conflict.
        var compared: [String: (SessionMetadata, Bool)] = [:]
        for entry in archive.entries {
            guard let (existing, messages) = try? table.load(entry.metadata.id) else { continue }
            compared[existing.id] = (existing, messages == entry.messages && existing.tags == entry.metadata.tags)
        }
        return try await commit { index in
            var report = ImportReport()
            var mutations: [StorageMutation] = []
            for entry in archive.entries {
                let id = entry.metadata.id
                if let existing = index[id] {
                    if let (seen, same) = compared[id], seen == existing, same {
                        report.unchanged.append(id)
                        continue
                    }
                    if !overwrite {
                        report.conflicts.append(id)
                        continue
                    }
                }
                let lines = MessageLines.encode(entry.messages)
                var metadata = entry.metadata
                metadata.update { $0.byteSize = lines.count; $0.messageCount = entry.messages.count }
                mutations.append(.save(metadata, lines: lines))
                report.imported.append(id)
            }
            return (mutations, [], report)
        }
    }
}

/// A write validated (and, for saves and appends, encoded and summarised) off the actor, ready
/// to commit on the actor or on the caller's thread (``SessionStoreActor/commitIfFree(_:)``).
protocol StoreWrite: Sendable {
    associatedtype Result: Sendable
    /// The transaction: what to write given the index at the time, on `store`'s table and clock.
    /// Its result is `nil` (and it writes nothing) when the state the plan was made from changed
    /// before the transaction: the write is then planned again.
    /// - Throws: what reading the state the plan needs found (before anything is written).
    func plan(_ store: SessionStoreActor) throws(StoreError) -> SessionTable.Plan<Result?>
    /// Whether the write may run on the caller's thread (small writes); large ones go to the actor.
    var runsOnCaller: Bool { get }
}

extension StoreWrite {
    var runsOnCaller: Bool { true }

    /// Saves and appends of more text than this are written on the actor's queue, off the
    /// cooperative pool.
    static var callerWriteLimit: Int { 1 << 20 }
}

/// A validated save, encoded and summarised, ready to commit.
struct PreparedSave: StoreWrite {
    let id: String
    let lines: [UInt8]
    /// The messages over `lines`, as the cache keeps them (text, not decoded trees).
    let cached: [Message]
    let facts: StoredFacts
    let tags: [String]
    let summary: String?
    let createdAt: Date?
    let updatedAt: Date?

    /// A save of messages built in code or parsed: checked (``MessageLines/validate(_:id:)``) and
    /// encoded in the stored form.
    init(
        _ id: String, messages: [Message], tags: [String], summary: String?, createdAt: Date?, updatedAt: Date?
    ) throws(StoreError) {
        try Self.validate(id, tags: tags, createdAt: createdAt, updatedAt: updatedAt)
        try MessageLines.validate(messages, id: id)
        let lines = MessageLines.encode(messages)
        self.init(id, lines: lines, cached: MessageLines.messages(ofStored: lines), facts: StoredFacts(messages),
                  tags: tags, summary: summary, createdAt: createdAt, updatedAt: updatedAt)
    }

    /// A save of JSON-lines text. Text already in the stored form with every line valid is kept
    /// byte for byte and scanned, not decoded (``StoredFacts/scanning(_:)``); anything else is
    /// parsed with ``MessageReader`` in strict mode and re-encoded.
    /// - Throws: ``StoreError/invalidMessage(id:index:reason:)`` naming the first line that does
    ///   not parse; the id, tag and date errors of a save.
    init(
        _ id: String, jsonLines text: [UInt8], tags: [String], summary: String?, createdAt: Date?, updatedAt: Date?
    ) throws(StoreError) {
        if let (messages, facts) = StoredFacts.scanning(text) {
            try Self.validate(id, tags: tags, createdAt: createdAt, updatedAt: updatedAt)
            self.init(id, lines: text, cached: messages, facts: facts, tags: tags, summary: summary, createdAt: createdAt,
                      updatedAt: updatedAt)
            return
        }
        let messages: [Message]
        do { messages = try MessageReader.read(text, mode: .strict).messages } catch {
            throw .invalidMessage(id: id, index: max(0, (error.lineNumber ?? 1) - 1), reason: "\(error)")
        }
        try self.init(id, messages: messages, tags: tags, summary: summary, createdAt: createdAt, updatedAt: updatedAt)
    }

    private init(
        _ id: String, lines: [UInt8], cached: [Message], facts: StoredFacts, tags: [String], summary: String?,
        createdAt: Date?, updatedAt: Date?
    ) {
        self.id = id
        self.lines = lines
        self.cached = cached
        self.facts = facts
        self.tags = tags
        self.summary = summary
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    private static func validate(_ id: String, tags: [String], createdAt: Date?, updatedAt: Date?) throws(StoreError) {
        try SessionID.validate(id)
        for tag in tags { try SessionID.validateTag(tag) }
        try SessionID.validateDate(createdAt, "createdAt", id: id)
        try SessionID.validateDate(updatedAt, "updatedAt", id: id)
    }

    var runsOnCaller: Bool { lines.count <= Self.callerWriteLimit }

    func plan(_ store: SessionStoreActor) -> SessionTable.Plan<SessionMetadata?> {
        let time = store.now()
        return { (index) throws(StoreError) in
            let metadata = SessionMetadata(
                id: id, createdAt: index[id]?.createdAt ?? createdAt ?? time, updatedAt: updatedAt ?? time,
                messageCount: cached.count, totalCostUSD: facts.cost, turnCount: facts.turnCount,
                tags: tags, summary: summary ?? facts.summary, model: facts.model, byteSize: lines.count)
            return ([.save(metadata, lines: lines)], [.replace(id: id, messages: cached, bytes: lines.count)], metadata)
        }
    }
}

/// A validated append, encoded and summarised, ready to commit.
struct PreparedAppend: StoreWrite {
    let id: String
    let messages: [Message]
    let lines: [UInt8]
    /// The messages over `lines`, as the cache keeps them.
    let cached: [Message]
    let facts: SessionSummary
    let hasResult: Bool
    let at: Date?

    init(_ id: String, messages: [Message], at: Date?) throws(StoreError) {
        try SessionID.validate(id)
        try SessionID.validateDate(at, "at", id: id)
        try MessageLines.validate(messages, id: id)
        self.id = id
        self.messages = messages
        lines = MessageLines.encode(messages)
        cached = MessageLines.messages(ofStored: lines)
        facts = Session.summarize(messages)
        hasResult = messages.contains { $0.type == "result" }
        self.at = at
    }

    var runsOnCaller: Bool { lines.count <= Self.callerWriteLimit }

    func plan(_ store: SessionStoreActor) throws(StoreError) -> SessionTable.Plan<SessionMetadata?> {
        let time = at ?? store.now()
        // A new result changes the cost, which sums the last result of each agent process
        // (SessionCost): that needs the messages already stored (usually cached), read before
        // the transaction. If the session changed in between (another write of this process or
        // another one, or it was created since), the plan asks to be made again. Stored messages
        // that cannot be read refuse the append with the load's error: the cost would be summed
        // without them.
        let before: (SessionMetadata, [Message])?
        do throws(StoreError) {
            before = hasResult ? try store.table.load(id) : nil
        } catch {
            guard case .notFound = error, try store.table.metadata(id) == nil else { throw error }
            before = nil  // no such session: the transaction says so, unless it has come since
        }
        return { (index) throws(StoreError) in
            guard var metadata = index[id] else { throw .notFound(id: id) }
            if hasResult, before?.0 != metadata { return ([], [], nil) }
            let offset = metadata.byteSize
            metadata.update { fields in
                fields.updatedAt = time
                fields.messageCount += messages.count
                fields.byteSize += lines.count
                fields.turnCount += facts.turns.assistantMessages
                if hasResult {
                    fields.totalCostUSD = SessionCost.total((before?.1 ?? []) + messages)
                }
                if fields.model == nil { fields.model = facts.model }
                if fields.summary == nil { fields.summary = facts.summary }
            }
            return ([.append(metadata, lines: lines, offset: offset)], [.append(id: id, messages: cached, bytes: lines.count)], metadata)
        }
    }
}

/// A validated delete.
struct PreparedDelete: StoreWrite {
    let id: String

    init(_ id: String) throws(StoreError) {
        try SessionID.validate(id)
        self.id = id
    }

    func plan(_ store: SessionStoreActor) -> SessionTable.Plan<Void?> {
        { [id] (index) throws(StoreError) in
            guard index[id] != nil else { throw .notFound(id: id) }
            return ([.delete(id: id)], [], ())
        }
    }
}

/// A validated tag edit (removal wins when a tag is in both lists).
struct PreparedTag: StoreWrite {
    let id: String
    let add: [String]
    let remove: [String]

    init(_ id: String, add: [String], remove: [String]) throws(StoreError) {
        try SessionID.validate(id)
        for tag in add { try SessionID.validateTag(tag) }
        self.id = id
        self.add = add
        self.remove = remove
    }

    func plan(_ store: SessionStoreActor) -> SessionTable.Plan<SessionMetadata?> {
        { [id, add, remove] (index) throws(StoreError) in
            guard var metadata = index[id] else { throw .notFound(id: id) }
            metadata.tags = Array(Set(metadata.tags).union(add).subtracting(remove)).sorted()
            return ([.update(metadata)], [], metadata)
        }
    }
}

/// What a cleanup deleted, or would delete in a dry run.
public struct CleanupReport: Sendable, Hashable {
    /// Sessions last updated before this instant were selected.
    public var cutoff: Date
    /// The selected sessions, oldest first.
    public var sessions: [SessionMetadata]
    /// Whether this was a dry run (nothing deleted).
    public var dryRun: Bool
}

/// The outcome of an import, per session id.
public struct ImportReport: Sendable, Hashable {
    /// Sessions written (new, or overwritten conflicts).
    public var imported: [String] = []
    /// Sessions already stored with the same messages and tags: left as they were.
    public var unchanged: [String] = []
    /// Sessions stored with different content and not overwritten.
    public var conflicts: [String] = []
}
