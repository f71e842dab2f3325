import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The default backend: a directory of JSON-lines session files behind a write-ahead log.
///
/// Layout (`Docs/StorageFormat.md` has the byte-level format):
/// - `FORMAT`: the format name and version.
/// - `sessions/<id>.jsonl`: a session's messages, one JSON object per line (readable with
///   `jq`).
/// - `metadata.jsonl`: every session's metadata as of the last checkpoint (``MetadataCatalog``),
///   so the index can be rebuilt without the snapshot.
/// - `journal`: the write-ahead log. Every change is one checksummed record, written with one
///   `write` before the session files are touched; in durable mode one `fdatasync` of this file
///   (shared by concurrent writers) is the only sync on a write's path (but for one `syncfs`
///   after another process's buffered checkpoint: ``syncIfUnsynced()``).
/// - `index.snapshot`: the whole index at the last checkpoint, so opening reads one file plus the
///   log records after it. A checkpoint (when the log passes its threshold, and at close) appends
///   the changed sessions' metadata to the catalog, syncs the file system (not in buffered mode
///   when every record in the log is buffered: ``checkpoint(_:)``), writes the snapshot and
///   empties the log.
/// - `unsynced`: present while a buffered checkpoint's writes may not be durable (the boot id of
///   the machine that wrote them).
/// - `lock`: `flock` target. Writers hold it exclusively; so several processes can share a store.
/// - `quarantine/`: files that could not be read, moved aside, never deleted.
public final class FileBackend: StorageBackend, IndexRestoring, NonBlockingWrites {
    /// The store's root directory.
    public let directory: String
    /// The durability of writes.
    public let durabilityMode: Durability
    /// ``location`` is the directory path.
    public var location: String { directory }
    /// Waits for synced log positions in durable mode.
    public private(set) var durability: DurabilityWaiter?
    /// Files moved to `quarantine/` since this backend opened (for reports).
    public private(set) var quarantined: [String] = []

    let checkpointThreshold: Int
    /// Fails chosen file-system calls (tests only).
    package var faults: FaultInjector? {
        get { io.faults }
        set { io.faults = newValue }
    }
    private var io = FileIO()
    /// Derives metadata from the message lines of a session file that has none in the catalog.
    var deriveMetadata: (@Sendable (_ id: String, _ lines: [UInt8], _ modified: Date) -> SessionMetadata?)?

    private let sessionsDirectory: String
    private let quarantineDirectory: String
    private let journalPath: String
    private let snapshotPath: String
    /// Present while a checkpoint's writes may not be durable; holds the boot id of the machine
    /// that wrote it (``checkpoint(_:)``).
    private let unsyncedPath: String
    private let lockPath: String
    private let waitingPath: String
    private var catalog: MetadataCatalog { MetadataCatalog(path: directory + "/metadata.jsonl", directory: directory, io: io) }
    private var lockFD: Int32 = -1
    /// `waiting`: a process that waits for `lock` holds a shared lock on it meanwhile.
    private var waitingFD: Int32 = -1
    private var journalFD: Int32 = -1
    private var generation: UInt64 = 0
    private var position = 0
    /// The journal's header, mapped read-only and shared: ``poll()`` compares its generation and
    /// published end with ours without a system call. `nil` if the mapping failed (then it reads).
    private var mappedHeader: UnsafeRawPointer?
    private var locked = false
    /// Writes the session files of logged records, after the writes return; created at open.
    private var effects: EffectQueue?
    /// Ids changed since the last checkpoint, with their latest metadata (`nil`: deleted).
    private var dirty: [String: SessionMetadata?] = [:]
    /// Whether the log holds a record of another process that was not logged in buffered mode
    /// (followed, or replayed at open), which the checkpoint that empties the log must make
    /// durable (this process's own records count through ``durabilityMode``).
    private var durableRecordsLogged = false

    static let formatName = "agent-sessions-store"
    static let formatVersion = 1

    /// Creates a backend rooted at `directory`; nothing is touched until ``open()``.
    /// - Parameters:
    ///   - directory: the store's root; created (mode `0700`) if missing.
    ///   - durability: ``Durability/durable`` (default) or ``Durability/buffered``.
    ///   - checkpointThreshold: the log size in bytes that triggers a checkpoint (default 64 MiB;
    ///     while session files are still to be written, up to twice that).
    public init(directory: String, durability: Durability = .durable, checkpointThreshold: Int = 64 << 20) {
        self.directory = directory
        self.durabilityMode = durability
        self.checkpointThreshold = checkpointThreshold
        sessionsDirectory = directory + "/sessions"
        quarantineDirectory = directory + "/quarantine"
        journalPath = directory + "/journal"
        snapshotPath = directory + "/index.snapshot"
        unsyncedPath = directory + "/unsynced"
        lockPath = directory + "/lock"
        waitingPath = directory + "/waiting"
    }

    deinit { release() }

    /// Stops the file worker and the durability rounds, then unmaps and closes the journal and
    /// the lock (a second call does nothing more): the end of ``close(image:)`` and of `deinit`.
    private func release() {
        effects?.stop()
        durability?.close(syncCancelled)
        if let mappedHeader { POSIX.unmap(mappedHeader, length: Journal.headerSize) }
        mappedHeader = nil
        if journalFD >= 0 { POSIX.close(journalFD) }
        if lockFD >= 0 { POSIX.close(lockFD) }
        if waitingFD >= 0 { POSIX.close(waitingFD) }
        journalFD = -1
        lockFD = -1
        waitingFD = -1
    }

    /// What a write still waiting for its journal sync gets when the store closes: a storage
    /// failure, never `unavailable`, which the facade takes for "nothing was written" and retries
    /// on a restarted store (the record is logged: a retried append would be applied twice).
    private var syncCancelled: StoreError { .storageFailure(path: journalPath, operation: "fdatasync", errno: ECANCELED) }

    /// The default store directory: `AGENT_SESSIONS_DIR` if set; else on macOS
    /// `~/Library/Application Support/agent-sessions`; else `$XDG_DATA_HOME/agent-sessions`,
    /// falling back to `~/.local/share/agent-sessions`.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit = environment["AGENT_SESSIONS_DIR"], !explicit.isEmpty { return explicit }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        #if os(macOS)
        return home + "/Library/Application Support/agent-sessions"
        #else
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") { return xdg + "/agent-sessions" }
        return home + "/.local/share/agent-sessions"
        #endif
    }

    func sessionPath(_ id: String) -> String { "\(sessionsDirectory)/\(id).jsonl" }
    /// The session files as the effect queue's thread writes them (with the current fault injector).
    private var sessionFiles: SessionFiles {
        SessionFiles(io: io, directory: sessionsDirectory, quarantineDirectory: quarantineDirectory, journalFD: journalFD,
                     journalPath: journalPath)
    }
    /// Where versions before the catalog kept a session's metadata (still read when rebuilding).
    private func legacyMetaPath(_ id: String) -> String { sessionFiles.legacyMetaPath(id) }

    // MARK: Opening and recovery

    /// Creates or opens the directory, checks its format, and recovers the index from the
    /// snapshot and the log (or, without a usable snapshot, from the metadata catalog).
    /// - Throws: ``StoreError/readOnly(path:)`` when the directory cannot be created or written
    ///   (permissions, a read-only file system); other ``StoreError``s for other failures.
    public func open() throws(StoreError) -> [SessionMetadata] {
        try openRecovering().records
    }

    /// Opens as ``open()`` does and builds the index, with the sort orders the snapshot kept
    /// when the snapshot is the whole index (the common open after a clean close).
    func openIndex() throws(StoreError) -> SessionIndex {
        let opened = try openRecovering()
        return SessionIndex(all: opened.records, orders: opened.orders)
    }

    private func openRecovering() throws(StoreError) -> Recovered {
        do {
            return try openWritable()
        } catch {
            if case .storageFailure(_, _, let code) = error, [EACCES, EPERM, EROFS].contains(code) {
                throw .readOnly(path: directory)
            }
            throw error
        }
    }

    /// What recovery found: every record, and the snapshot's orders when the records are exactly the snapshot's.
    private typealias Recovered = (records: [SessionMetadata], orders: SessionIndex.Orders?)

    private func openWritable() throws(StoreError) -> Recovered {
        // Create the directory and any missing parents, each `0700`.
        var path = directory.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/") {
            path += "/" + component
            try POSIX.makeDirectory(path)
        }
        try POSIX.makeDirectory(sessionsDirectory)
        try POSIX.makeDirectory(quarantineDirectory)
        try checkFormat()
        lockFD = try POSIX.openFile(lockPath, O_RDWR | O_CREAT).fd
        waitingFD = try POSIX.openFile(waitingPath, O_RDWR | O_CREAT).fd
        journalFD = try POSIX.openFile(journalPath, O_RDWR | O_CREAT).fd
        try lockWaiting()
        defer { POSIX.unlock(lockFD) }
        // Unsynced writes of an earlier boot: the machine restarted since, and they may be lost.
        let marker = try unsyncedMarker()
        let lostWrites = marker.map { $0 != Journal.currentBootID } ?? false
        let header = try readHeader()
        var records = try recover(header, lostWrites: lostWrites)
        // A log of an older version (its records' checksums have no generation) is replaced by
        // a checkpoint, which writes this version's header: until then its header stays as it was.
        let upgrading = header.map { $0.version < Journal.version } ?? false
        if lostWrites {
            // The checkpoint keeps the fixes, then removes the marker (if it syncs) or makes it
            // this boot's: only then does a later open stop checking.
            records = try verifySessionFiles(records.records)
        }
        if lostWrites || upgrading {
            try checkpoint(records)
        } else if marker != nil {
            try syncIfUnsynced()
        }
        mappedHeader = POSIX.mapShared(journalFD, length: Journal.headerSize)
        effects?.stop()
        let waitingFD = waitingFD
        effects = EffectQueue(lockFD: lockFD, othersWaiting: { Self.someoneWaits(waitingFD) })
        if durabilityMode.syncs {
            let fd = journalFD, path = journalPath, io = io
            durability = DurabilityWaiter(start: DurabilityTicket(generation: generation, offset: position)) {
                () throws(StoreError) in try io.syncData(fd, path: path)
            }
        }
        return records
    }

    private func checkFormat() throws(StoreError) {
        let path = directory + "/FORMAT"
        if let bytes = try io.readFile(path) {
            let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
            guard object?["format"] as? String == Self.formatName else {
                throw .unsupportedFormat(path: path, found: String(decoding: bytes.prefix(80), as: UTF8.self))
            }
            let version = object?["version"] as? Int ?? 0
            guard version == Self.formatVersion else { throw .unsupportedFormat(path: path, found: "version \(version)") }
        } else {
            let text = "{\"format\":\"\(Self.formatName)\",\"version\":\(Self.formatVersion)}\n"
            try io.writeAtomically(Array(text.utf8), to: path, directory: directory, sync: true)
        }
    }

    /// - Parameter lostWrites: whether files may have lost writes a log record builds on (a
    ///   checkpoint that did not sync, then a reboot): an append whose file is too short is then
    ///   applied at the file's last complete line (``SessionFiles/append(_:_:at:lostWrites:)``).
    private func recover(_ header: Journal.Header?, lostWrites: Bool) throws(StoreError) -> Recovered {
        let snapshot = try loadSnapshot()
        if let snapshot, header == nil || snapshot.generation > header!.generation {
            // A checkpoint wrote its snapshot and stopped before emptying the log (or the log is
            // missing): the snapshot already holds everything.
            try restartJournal(generation: snapshot.generation)
            return (snapshot.records, snapshot.orders)
        }
        guard let header else {
            var files = try scanSessionFiles()
            try restartJournal(generation: (snapshot?.generation ?? 0) + 1)  // empty, or not a journal
            try resolveOrphans(&files)  // after the reset, which forgets what changed: these go to the catalog
            return (Array(files.index.values), nil)
        }
        generation = header.generation
        position = Journal.headerSize
        let rebooted = header.bootID != Journal.currentBootID
        let size = try POSIX.size(journalFD, path: journalPath)
        let end = try logEnd(published: header.end, version: header.version)
        if let snapshot, snapshot.generation == header.generation, end == Journal.headerSize, !rebooted {
            // The common open (after a clean close, or while other processes have logged nothing
            // since their last checkpoint): the snapshot is the whole index.
            try refresh(header)
            return (snapshot.records, snapshot.orders)
        }
        var files = DiskState()
        if let snapshot, snapshot.generation == header.generation {
            files.index = Dictionary(snapshot.records.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        } else {
            files = try scanSessionFiles()
        }
        let bytes = try io.pread(journalFD, count: end - Journal.headerSize, at: Journal.headerSize, path: journalPath)
        let (records, validEnd) = Journal.decodeRecords(
            bytes, base: Journal.headerSize, seed: Journal.checksumSeed(generation: generation, version: header.version))
        for record in records {
            apply(record.mutation, to: &files.index)
            if !record.buffered { durableRecordsLogged = true }
            files.suspect.remove(record.mutation.id)  // the log's metadata is newer than the catalog's
            // After a reboot the session files may have lost unsynced writes: redo every effect.
            if rebooted || !record.applied, try !applyRecovering(record, lostWrites: lostWrites) { files.index[record.mutation.id] = nil }
            if case .delete(let id) = record.mutation { files.lineFiles.remove(id) } else { files.lineFiles.insert(record.mutation.id) }
        }
        // A torn record goes; after a reboot, everything past the log too: a power loss may have
        // kept records of this generation written after one it lost (none acknowledged).
        if validEnd < end || rebooted && validEnd < size { try POSIX.truncate(journalFD, to: validEnd, path: journalPath) }
        position = validEnd
        if snapshot?.generation != header.generation { try resolveOrphans(&files) }
        if rebooted {
            // A new header for this boot, with our end, replaces the old one (of the same version:
            // an older log is replaced by a checkpoint, after this).
            try io.syncFileSystem(journalFD, paths: records.map { sessionPath($0.mutation.id) }, directories: [sessionsDirectory])
            let renewed = Journal.Header(generation: generation, bootID: Journal.currentBootID, end: position, version: header.version)
            try io.pwriteAll(journalFD, Journal.encode(renewed), at: 0, path: journalPath)
            try io.syncData(journalFD, path: journalPath)
        } else {
            try refresh(header)
        }
        return (Array(files.index.values), nil)
    }

    private func apply(_ mutation: StorageMutation, to index: inout [String: SessionMetadata]) {
        switch mutation {
        case .save(let m, _), .append(let m, _, _), .update(let m): index[m.id] = m
        case .delete(let id): index[id] = nil
        }
        markDirty(mutation)
    }

    private func markDirty(_ mutation: StorageMutation) {
        switch mutation {
        case .save(let m, _), .append(let m, _, _), .update(let m): dirty[m.id] = .some(m)
        case .delete(let id): dirty[id] = .some(nil)
        }
    }

    /// At open: publishes our position if the header's end differs (a version 1 header has
    /// none).
    private func refresh(_ header: Journal.Header) throws(StoreError) {
        if header.end != position { try publishEnd() }
    }

    /// Writes our log position into the header as the end of the log, so that other processes'
    /// ``poll()`` sees a change without reading the log. Call with the lock held, after the
    /// records are in the log and before the write is acknowledged.
    private func publishEnd() throws(StoreError) {
        if mapped(Journal.endOffset) == UInt64(position) { return }
        try io.pwriteAll(journalFD, Journal.publishedEnd(position), at: Journal.endOffset, path: journalPath)
    }

    /// How far a durable writer keeps the journal file ahead of the log with written zeros: it
    /// tops the zeros up to this when fewer than half of it are left.
    static let preallocation = 4 << 20

    /// Keeps the journal file between half of ``preallocation`` and all of it ahead of the log
    /// with written zeros (durable mode; call with the lock held, after a log write): a later
    /// record then overwrites blocks the file already has, so its `fdatasync` writes no size
    /// change or allocation. The zeros go past the file's end only, never over a record. Best
    /// effort: a failure (a full disk) cuts off what it wrote, and readers take zeros past the
    /// log as its end (``logEnd(published:version:)``).
    private func preallocate() {
        guard let size = try? POSIX.size(journalFD, path: journalPath) else { return }
        let start = max(size, position), target = position + Self.preallocation
        guard size - position < Self.preallocation / 2 else { return }
        do throws(StoreError) {
            try io.pwriteAll(journalFD, [UInt8](repeating: 0, count: target - start), at: start, path: journalPath)
        } catch {
            try? POSIX.truncate(journalFD, to: start, path: journalPath)
        }
    }

    /// Where the log ends, for following it from ``position``: the `published` end, unless a
    /// record of this generation may start there (records of a writer that died before
    /// publishing them, or an end not published, as while a checkpoint writes a new header):
    /// then the journal file's end. What follows the published end is otherwise zeros (durable
    /// mode's preallocation), what is left of an earlier generation's records (from any byte of
    /// one), or nothing. Call with the lock held.
    /// - Parameter version: the log's version (before 4 any record magic counts: such a log
    ///   was truncated at every checkpoint).
    private func logEnd(published: Int, version: UInt32 = Journal.version) throws(StoreError) -> Int {
        let size = try POSIX.size(journalFD, path: journalPath)
        guard published >= position, published <= size else { return size }
        guard size - published >= Journal.recordPrefix else { return published }
        let prefix = try io.pread(journalFD, count: Journal.recordPrefix, at: published, path: journalPath)
        return Journal.mayStartRecord(prefix, generation: generation, version: version) ? size : published
    }

    /// Starts generation `newGeneration` over an empty file (but for its header's 64 bytes): when
    /// the file may already hold records of that generation, written after a header of it that
    /// a crash then lost (a checkpoint finished again, or a header that is missing or damaged),
    /// which the new log could otherwise run into.
    private func restartJournal(generation newGeneration: UInt64) throws(StoreError) {
        try POSIX.truncate(journalFD, to: Journal.headerSize, path: journalPath)
        try resetJournal(generation: newGeneration)
    }

    /// Starts generation `newGeneration`: a new header, synced. The file keeps its length: the
    /// new records overwrite the old ones on pages it already has, and an old record fails the
    /// new generation's checksum (``Journal``).
    private func resetJournal(generation newGeneration: UInt64) throws(StoreError) {
        // Until the new header lands, the old one (and, if this stops here, the newer snapshot)
        // describe the same index. The new header says end 0 first (no position is 0), so a
        // reader that sees the old generation with the new header's end cannot mistake it for
        // "nothing changed"; the end is published just after.
        try io.pwriteAll(journalFD, Journal.encode(Journal.Header(generation: newGeneration, bootID: Journal.currentBootID, end: 0)),
                         at: 0, path: journalPath)
        // Synced even by a checkpoint that syncs nothing else. Since the file keeps its length,
        // this writes back the whole last log too, which must be durable before the new
        // generation's records overwrite it: else a power loss could keep the old header with part
        // of its log overwritten, and a rebooted opener would apply what is left of that log again.
        try io.syncData(journalFD, path: journalPath)
        try io.syncDirectory(directory)
        startGeneration(newGeneration)
        try publishEnd()
    }

    // MARK: Snapshot

    /// The snapshot, or `nil` when there is none or it is damaged (then it is quarantined).
    private func loadSnapshot() throws(StoreError) -> IndexSnapshot.Image? {
        let mapped: MappedFile?
        do { mapped = try io.mapFile(snapshotPath) } catch {
            guard case .unsafePath = error else { throw error }
            try quarantineIfMovable(snapshotPath, reason: "index snapshot is not a regular file")
            return nil
        }
        guard let file = mapped else { return nil }
        do throws(ByteReader.Truncated) {
            return try file.withBytes { bytes throws(ByteReader.Truncated) in try IndexSnapshot.decode(bytes) }
        } catch {
            try quarantine(snapshotPath, reason: "index snapshot fails its checksum or cannot be decoded")
            return nil
        }
    }

    private func writeSnapshot(generation: UInt64, image: IndexImage, sync: Bool) throws(StoreError) {
        try io.writeAtomically(IndexSnapshot.encode(generation: generation, records: image.records, orders: image.orders),
                               to: snapshotPath, directory: directory, sync: sync)
    }

    // MARK: Rebuilding from the session files

    /// What a rebuild finds on disk.
    private struct DiskState {
        /// The metadata by id as of the last checkpoint.
        var index: [String: SessionMetadata] = [:]
        /// The ids that have a `.jsonl` file.
        var lineFiles: Set<String> = []
        /// The ids whose catalog metadata may be stale (a damaged line follows their last one).
        var suspect: Set<String> = []
    }

    /// The index as of the last checkpoint, before the log is replayed over it: the catalog, or
    /// while there is none (a store last checkpointed by a version before it) the `.meta.json`
    /// files. Also lists the `.jsonl` files.
    private func scanSessionFiles() throws(StoreError) -> DiskState {
        var files = DiskState()
        let legacy = !catalog.exists
        if !legacy {
            let contents = try catalog.read()
            files.index = contents.index
            files.suspect = contents.suspect
            if !contents.badLines.isEmpty {
                // Kept for inspection; the sessions of those lines are checked against their files.
                let lines = contents.badLines.prefix(10).map(String.init).joined(separator: ", ")
                try quarantineCopy(catalog.path, reason: "metadata catalog lines \(lines) cannot be decoded")
            }
        }
        for name in try sessionFileNames() {
            if name.hasSuffix(".jsonl") {
                files.lineFiles.insert(String(name.dropLast(6)))
            } else if legacy, name.hasSuffix(".meta.json") {
                let path = sessionsDirectory + "/" + name
                if let bytes = try readRegularFile(path), let m = MetadataFile.decode(bytes), m.id == String(name.dropLast(10)) {
                    files.index[m.id] = m
                } else {
                    try quarantine(path, reason: "metadata file cannot be parsed")
                }
            }
        }
        return files
    }

    /// Reads a whole file; `nil` if it does not exist or is not a regular file.
    private func readRegularFile(_ path: String) throws(StoreError) -> [UInt8]? {
        try unlessUnsafe { () throws(StoreError) in try io.readFile(path) } ?? nil
    }

    /// `body`'s result, or `nil` when it finds a file that is not a regular one in its way
    /// (``StoreError/unsafePath(path:reason:)``: a directory or a FIFO in a session file's place
    /// has no lines either); other errors are thrown.
    private func unlessUnsafe<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T? {
        do { return try body() } catch {
            guard case .unsafePath = error else { throw error }
            return nil
        }
    }

    /// The names in `sessions/`, without hidden ones (temporary files).
    private func sessionFileNames() throws(StoreError) -> [String] {
        do { return try FileManager.default.contentsOfDirectory(atPath: sessionsDirectory).filter { !$0.hasPrefix(".") } } catch {
            throw .storageFailure(path: sessionsDirectory, operation: "readdir", errno: EIO)
        }
    }

    /// At an open after a reboot, when the last checkpoint did not sync (``checkpoint(_:)``), so
    /// that `records` may name session files that lost writes: checks every session against its
    /// file as a rebuild checks a suspect one (``resolveOrphans(_:)``).
    private func verifySessionFiles(_ records: [SessionMetadata]) throws(StoreError) -> Recovered {
        var files = DiskState()
        files.index = Dictionary(records.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        files.suspect = Set(files.index.keys)
        files.lineFiles = Set(try sessionFileNames().lazy.filter { $0.hasSuffix(".jsonl") }.map { String($0.dropLast(6)) })
        try resolveOrphans(&files)
        return (Array(files.index.values), nil)
    }

    /// After a rebuild: derives metadata for session files that have none; re-derives the
    /// message facts (count, cost, turns, model, size) of a suspect session whose file is not the
    /// size its metadata says, keeping its tags, summary and dates (an append would otherwise cut
    /// the file back to the stale size), after cutting off a torn last line (a write lost with the
    /// machine) if that is what keeps it from parsing, or quarantines it and drops the session when
    /// it still cannot be parsed; and drops metadata without its session file (quarantining a
    /// `.meta.json` of an earlier version). The changes go to the catalog at the next
    /// checkpoint; a `.jsonl` without metadata that cannot be parsed is quarantined.
    private func resolveOrphans(_ files: inout DiskState) throws(StoreError) {
        func derive(_ id: String) throws(StoreError) -> SessionMetadata? {
            let path = sessionPath(id)
            guard let bytes = try readRegularFile(path) else { return nil }
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            return deriveMetadata?(id, bytes, attributes?[.modificationDate] as? Date ?? Date())
        }
        for id in files.lineFiles where files.index[id] == nil {
            if let m = try derive(id) {
                files.index[id] = m
                dirty[id] = .some(m)
            } else if FileManager.default.fileExists(atPath: sessionPath(id)) {
                try quarantineIfMovable(sessionPath(id), reason: "session file has no metadata and its lines cannot be parsed")
            }
        }
        for id in files.suspect where files.lineFiles.contains(id) {
            guard let old = files.index[id],
                  let size = (try? FileManager.default.attributesOfItem(atPath: sessionPath(id)))?[.size] as? Int,
                  size != old.byteSize else { continue }
            var derived = try derive(id)
            if derived == nil, let cut = try unlessUnsafe({ () throws(StoreError) in try cutToCompleteLines(sessionPath(id)) }), cut < size {
                derived = try derive(id)
            }
            guard var m = derived else {
                try quarantineIfMovable(sessionPath(id), reason: "session file is \(size) bytes, not \(old.byteSize), and its lines cannot be parsed")
                files.index[id] = nil
                dirty[id] = .some(nil)
                continue
            }
            m.update { fields in
                fields.tags = old.tags
                fields.summary = old.summary
                fields.createdAt = old.createdAt
                fields.updatedAt = max(old.updatedAt, fields.updatedAt)
            }
            files.index[id] = m
            dirty[id] = .some(m)
        }
        for id in files.index.keys where !files.lineFiles.contains(id) {
            files.index[id] = nil
            dirty[id] = .some(nil)
            if FileManager.default.fileExists(atPath: legacyMetaPath(id)) {
                try quarantine(legacyMetaPath(id), reason: "metadata file without its session file")
            }
        }
    }

    /// ``FileIO/cutToCompleteLines(_:path:)`` on the session file at `path`.
    private func cutToCompleteLines(_ path: String) throws(StoreError) -> Int {
        let fd = try POSIX.openFile(path, O_RDWR).fd
        defer { POSIX.close(fd) }
        return try io.cutToCompleteLines(fd, path: path)
    }

    private func quarantine(_ path: String, reason: String) throws(StoreError) {
        let target = quarantineTarget(path)
        try io.rename(path, target)
        quarantined.append("\(target): \(reason)")
    }

    private func quarantineTarget(_ path: String) -> String { SessionFiles.quarantineTarget(path, in: quarantineDirectory) }

    /// Quarantines `path` if it can be moved; what cannot (a directory this process may not
    /// move, a mount point) stays where it is and is reported, so that it cannot stop an open.
    private func quarantineIfMovable(_ path: String, reason: String) throws(StoreError) {
        do { try quarantine(path, reason: reason) } catch { quarantined.append("\(path): not moved (\(error)); \(reason)") }
    }

    /// Quarantines a copy of `path`, leaving the file in use.
    private func quarantineCopy(_ path: String, reason: String) throws(StoreError) {
        guard let bytes = try io.readFile(path) else { return }
        let target = quarantineTarget(path)
        try io.writeAtomically(bytes, to: target, directory: quarantineDirectory, sync: false)
        quarantined.append("\(target): \(reason)")
    }

    // MARK: Writing

    /// Takes the cross-process lock and returns what other processes wrote since the last call.
    public func beginWrite() throws(StoreError) -> [StorageChange] {
        try begin(writing: true, waiting: true)!  // waiting, the lock is always taken
    }

    /// Takes the lock (or, not `waiting`, only if no other process holds it and the transaction
    /// will not wait for the file thread: else `nil`) and follows the log. While this process
    /// still holds the lock for records whose files are being written, the transaction takes it
    /// over and follows nothing: no other process can have written. A `writing` transaction fails
    /// once a session file write has failed (the actor then restarts); a poll goes on.
    private func begin(writing: Bool, waiting: Bool) throws(StoreError) -> [StorageChange]? {
        guard let held = try openEffects().begin(writing: writing, waiting: waiting, taking: { () throws(StoreError) -> Bool in
            if waiting { try lockWaiting() } else if try !POSIX.tryLock(lockFD, path: lockPath) { return false }
            return true
        }) else { return nil }
        locked = true
        if held { return [] }
        do { return try catchUp() } catch {
            endLock()
            throw error
        }
    }

    /// Appends one record per mutation to the log with a single write, then queues each one's
    /// file effects (``SessionFiles/apply(_:record:lostWrites:)``) on the effect queue's thread,
    /// in order: the write returns before the session files are written.
    public func write(_ mutations: [StorageMutation]) throws(StoreError) -> DurabilityTicket? {
        precondition(locked, "write outside beginWrite/endWrite")
        let effects = try openEffects()
        try checkAppendTargets(mutations, effects)
        var buffer: [UInt8] = []
        var starts: [Int] = []
        for mutation in mutations {
            starts.append(position + buffer.count)
            Journal.encode(mutation, buffered: !durabilityMode.syncs, generation: generation, into: &buffer)
        }
        do {
            try io.pwriteAll(journalFD, buffer, at: position, path: journalPath)
        } catch {
            // Nothing was acknowledged: drop whatever part of the batch reached the file.
            try? POSIX.truncate(journalFD, to: position, path: journalPath)
            throw error
        }
        position += buffer.count
        if durabilityMode.syncs { preallocate() }
        try publishEnd()
        let files = sessionFiles
        for (mutation, start) in zip(mutations, starts) {
            let job: EffectQueue.Job = (mutation.id, { () throws(StoreError) in try files.apply(mutation, record: start) })
            switch mutation {
            case .save(_, let lines): effects.enqueue(job, leaving: lines)
            case .append(_, let lines, let offset): effects.enqueue(job, appending: lines, at: offset)
            case .update: break  // logged applied: it changes no file
            case .delete: effects.enqueue(job, leaving: nil)
            }
            markDirty(mutation)
        }
        let ticket = DurabilityTicket(generation: generation, offset: position)
        durability?.noteWritten(ticket)
        return durabilityMode.syncs ? ticket : nil
    }

    /// Checkpoints if the log has passed its threshold, then releases the lock.
    public func endWrite(index: () -> [SessionMetadata]) throws(StoreError) {
        try endWrite { (index(), nil) }
    }

    /// Checkpoints if the log has passed its threshold (with the image's orders), then releases the lock.
    func endWrite(image: () -> IndexImage) throws(StoreError) {
        defer { endLock() }
        if checkpointDue { try checkpoint(image()) }
    }

    /// Releases the lock without checkpointing (the transaction failed).
    public func abortWrite() { endLock() }

    /// ``beginWrite()`` if no other process holds the lock, no checkpoint is due and the file
    /// queue would not make the transaction wait (``EffectQueueState/mayMakeWait(at:)``); else `nil`.
    func beginWriteIfFree() throws(StoreError) -> [StorageChange]? {
        guard !checkpointDue else { return nil }
        return try begin(writing: true, waiting: false)
    }

    /// Takes `lock`, waiting for it if another process holds it. Meanwhile this process holds
    /// `waiting` shared, which tells the holder that someone waits: a holder that keeps the lock
    /// for session files still to be written lets it go then (``EffectQueue``).
    private func lockWaiting() throws(StoreError) {
        if try POSIX.tryLock(lockFD, path: lockPath) { return }
        // Only a hint: if it cannot be given at once, wait without it.
        let signalled = flock(waitingFD, LOCK_SH | LOCK_NB) == 0
        defer { if signalled { POSIX.unlock(waitingFD) } }
        try POSIX.lock(lockFD, exclusive: true, path: lockPath)
    }

    /// The holder's side of ``lockWaiting()``: whether a process holds `waiting` shared (an
    /// exclusive lock on it cannot be taken at once). When that cannot be told, true: the holder
    /// then lets the lock go, as it did before anyone could say.
    private static func someoneWaits(_ waitingFD: Int32) -> Bool {
        guard flock(waitingFD, LOCK_EX | LOCK_NB) == 0 else { return true }
        POSIX.unlock(waitingFD)
        return false
    }

    /// Whether the log is long enough for a checkpoint: past the threshold once at most 64 session
    /// files are still to be written (a checkpoint writes them all first), or past twice the
    /// threshold. So a burst of writes whose files are slower to write than their records does not
    /// wait for thousands of them every threshold's worth of log.
    private var checkpointDue: Bool {
        position >= checkpointThreshold
            && (position >= 2 * checkpointThreshold || (effects?.outstanding ?? 0) <= Self.checkpointBacklog)
    }

    /// The most queued session files a checkpoint waits for before the log reaches twice its threshold.
    private static let checkpointBacklog = 64

    /// The file queue, or `unavailable` before ``open()``.
    private func openEffects() throws(StoreError) -> EffectQueue {
        guard let effects else { throw .unavailable(reason: "the store at \(directory) is not open") }
        return effects
    }

    /// Releases the lock, or leaves it to the effect queue while records' files are being written.
    private func endLock() {
        locked = false
        effects?.end()
    }

    /// Reads log records past our position (written by other processes), repairing any whose
    /// writer died before applying them. Call with the lock held.
    private func catchUp() throws(StoreError) -> [StorageChange] {
        // Under the lock the header does not change, so the mapped fields are exact; the header
        // is read only when the generation differs (another process checkpointed) or the end is
        // 0 (a checkpoint was interrupted). The log's size is always asked: records of a writer
        // that died before publishing its end count too.
        if mapped(Journal.generationOffset) == generation, mapped(Journal.endOffset) != 0 { return try followRecords() }
        let header = try readHeader()
        guard header?.end == 0 || header?.generation != generation else { return try followRecords() }
        let snapshot = try loadSnapshot()
        if let header, let snapshot, header.end == 0, snapshot.generation > header.generation {
            // A checkpoint wrote its snapshot and stopped before starting the new log (its process
            // died, or the reset failed). The snapshot holds every record of the log, since no one
            // could write after it: finish the checkpoint, as an opener would (whatever generation
            // this process had followed).
            try syncIfUnsynced()  // first: if it fails, the next transaction comes back here
            try restartJournal(generation: snapshot.generation)
            return [.reset(snapshot.records)]
        }
        // Our generation with end 0: a checkpoint stopped before its snapshot (the follow publishes the end again).
        guard header?.generation != generation else { return try followRecords() }
        // Another process checkpointed: its snapshot holds everything up to the new log.
        guard let snapshot, let header, snapshot.generation == header.generation else {
            throw .corrupted(path: journalPath, reason: "log generation changed without a matching snapshot", quarantinedAt: nil)
        }
        try syncIfUnsynced()  // first: if it fails, the next transaction comes back here
        startGeneration(header.generation)
        return try [.reset(snapshot.records)] + followRecords()
    }

    /// Follows the log's records past our position (part of ``catchUp()``), then publishes the
    /// end: records a writer logged but died before publishing are now followed, and an end 0
    /// left by a checkpoint that stopped before its snapshot is replaced.
    private func followRecords() throws(StoreError) -> [StorageChange] {
        var changes: [StorageChange] = []
        let size = try logEnd(published: publishedHeader()?.end ?? 0)
        if size > position {
            let bytes = try io.pread(journalFD, count: size - position, at: position, path: journalPath)
            let (records, validEnd) = Journal.decodeRecords(bytes, base: position, seed: Journal.checksumSeed(generation: generation))
            for record in records {
                if !record.buffered { durableRecordsLogged = true }
                if !record.applied, try !applyRecovering(record) {
                    changes.append(.remove(id: record.mutation.id))
                    continue
                }
                markDirty(record.mutation)
                switch record.mutation {
                case .save(let m, _), .append(let m, _, _), .update(let m): changes.append(.upsert(m))
                case .delete(let id): changes.append(.remove(id: id))
                }
            }
            // A torn tail here is the record of a writer that died mid-write (we hold the lock).
            if validEnd < size { try POSIX.truncate(journalFD, to: validEnd, path: journalPath) }
            position = validEnd
        }
        try publishEnd()
        return changes
    }

    /// Applies a logged record while recovering or following the log. A session whose files
    /// cannot take it (a symbolic link or other non-file in its place, a file shorter than the
    /// log expects) is quarantined and dropped, so one damaged session cannot stop the store
    /// from opening: its files are moved to `quarantine/` where they can be (what cannot be
    /// moved, such as a directory this process may not move, stays and is reported), and the
    /// record's lines are kept there too. So is a session whose file is missing for an append.
    /// Returns false for such a session; I/O errors are thrown.
    private func applyRecovering(_ record: Journal.Record, lostWrites: Bool = false) throws(StoreError) -> Bool {
        do {
            try sessionFiles.apply(record.mutation, record: record.offset, lostWrites: lostWrites)
            return true
        } catch {
            switch error {
            case .corrupted, .unsafePath: break
            case .storageFailure(_, _, let code) where [ELOOP, ENOTDIR, EISDIR, ENOENT, EACCES, EPERM].contains(code): break
            default: throw error
            }
            let id = record.mutation.id
            let reason = "cannot apply a logged change to session \(StoreError.quote(id)): \(error)"
            for path in [sessionPath(id), legacyMetaPath(id)] where (try? FileManager.default.attributesOfItem(atPath: path)) != nil {
                try quarantineIfMovable(path, reason: reason)
            }
            switch record.mutation {
            case .save(_, let lines), .append(_, let lines, _):
                let target = quarantineTarget(sessionPath(id) + ".logged")
                try io.writeAtomically(lines, to: target, directory: quarantineDirectory, sync: false)
                quarantined.append("\(target): the logged lines; \(reason)")
            case .update, .delete:
                break
            }
            try sessionFiles.markApplied(record.offset)
            dirty[id] = .some(nil)
            return false
        }
    }

    /// Refuses, before anything is logged, an append whose session file the queued append could
    /// not write, which would fail the queue after the append was acknowledged
    /// (``POSIX/checkWritableFile(_:)``): one that is not a regular file (a symbolic link planted
    /// in the store, a directory, a FIFO: `unsafe_path`), that this process may not write
    /// (`read_only`), or that is missing (`not_found`, as a load of it says). A session saved or
    /// deleted earlier in the batch, or whose files are still queued, is not checked: its file is
    /// what those will leave (and the queued append's own open refuses the same, failing the queue).
    private func checkAppendTargets(_ mutations: [StorageMutation], _ effects: EffectQueue) throws(StoreError) {
        var replaced: Set<String> = []  // saved or deleted earlier in the batch
        for mutation in mutations {
            switch mutation {
            case .append(let m, _, _) where !replaced.contains(m.id) && !effects.isOutstanding(m.id):
                do { try POSIX.checkWritableFile(sessionPath(m.id)) } catch {
                    if case .storageFailure(_, _, ENOENT) = error { throw .notFound(id: m.id) }
                    throw error
                }
            case .save, .delete: replaced.insert(mutation.id)
            case .append, .update: break
            }
        }
    }

    /// Appends the metadata of every session changed since the last checkpoint to the catalog,
    /// makes all files durable, writes the snapshot of `image` and starts a new, empty log generation.
    ///
    /// When every record in the log was logged in buffered mode and this process is buffered,
    /// only the new log header is synced (buffered mode promises no sync, and the syncs of
    /// 64 MiB of log and files would stall the writers): the marker `unsynced`, holding this
    /// boot's id, is made durable first, and stays until a checkpoint or a durable process syncs
    /// the file system. A durable process that finds it syncs before it logs
    /// (``syncIfUnsynced()``); an opener in a later boot repairs what the files lost
    /// (``recover(_:lostWrites:)``, ``verifySessionFiles(_:)``). Only where `syncfs` exists:
    /// elsewhere a durable process could not tell which files to sync, so every checkpoint syncs.
    private func checkpoint(_ image: IndexImage) throws(StoreError) {
        // Every logged record's files first: the log is emptied below.
        try effects?.drain()
        let sync = durabilityMode.syncs || durableRecordsLogged || !POSIX.syncsFileSystem
        let marker = sync ? nil : try unsyncedMarker()
        if sync {
            // The log first: the catalog must not get ahead of a record a crash could still lose.
            try io.syncData(journalFD, path: journalPath)
        } else if marker == nil {
            try writeUnsyncedMarker()
        }
        try catalog.append(dirty, all: image.records)
        if sync {
            try io.syncFileSystem(
                journalFD, paths: [catalog.path] + dirty.keys.map(sessionPath), directories: [sessionsDirectory, directory])
            try POSIX.unlink(unsyncedPath)  // everything is durable now
        }
        // End 0 marks a checkpoint under way: if it stops after its snapshot and before the new
        // log, the next process to take the lock finishes it (``catchUp()``) instead of writing
        // records that the snapshot would hide from a later opener.
        try io.pwriteAll(journalFD, Journal.publishedEnd(0), at: Journal.endOffset, path: journalPath)
        try writeSnapshot(generation: generation + 1, image: image, sync: sync)
        try resetJournal(generation: generation + 1)
        // An earlier boot's marker (this is the checkpoint of an open that repaired what it lost)
        // becomes this boot's only now: until the repair is kept, every opener repeats it.
        if let marker, marker != Journal.currentBootID { try writeUnsyncedMarker() }
        durability?.noteSynced(DurabilityTicket(generation: generation, offset: position))
    }

    /// Writes the `unsynced` marker with this boot's id, durably.
    private func writeUnsyncedMarker() throws(StoreError) {
        try io.writeAtomically(Array(Journal.currentBootID.utf8), to: unsyncedPath, directory: directory, sync: true)
    }

    /// The boot id in the `unsynced` marker (empty if it holds none); `nil` when there is no marker.
    private func unsyncedMarker() throws(StoreError) -> String? {
        try io.readFile(unsyncedPath).map { String(decoding: $0, as: UTF8.self) }
    }

    /// In durable mode, when a checkpoint left its writes unsynced (the marker is there): syncs
    /// the file system and removes the marker, before this process logs anything that may
    /// depend on those writes (an append to a session saved before that checkpoint). Called at
    /// open and after following another process's checkpoint.
    private func syncIfUnsynced() throws(StoreError) {
        guard durabilityMode.syncs, FileManager.default.fileExists(atPath: unsyncedPath) else { return }
        try io.syncFileSystem(journalFD, paths: [], directories: [directory])
        try POSIX.unlink(unsyncedPath)
    }

    /// Starts following log generation `newGeneration` from its start (nothing changed yet).
    private func startGeneration(_ newGeneration: UInt64) {
        generation = newGeneration
        position = Journal.headerSize
        dirty = [:]
        durableRecordsLogged = false
    }

    // MARK: Reading

    /// Returns what other processes changed since the last call: no system call when nothing did
    /// (the mapped header's generation and published end are ours).
    public func poll() throws(StoreError) -> [StorageChange] {
        // No checkpoint and no acknowledged write since ours: nothing to follow.
        if let header = try publishedHeader(), header.generation == generation, header.end == position { return [] }
        let changes = try begin(writing: false, waiting: true)!  // waiting, the lock is always taken
        endLock()
        return changes
    }

    /// The 64-bit header field at `offset` as mapped (what other processes published), or `nil`
    /// when the header is not mapped.
    private func mapped(_ offset: Int) -> UInt64? {
        mappedHeader.map { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
    }

    /// The header's generation and published end: from the mapping when there is one (no system
    /// call), else read (`nil`: the file does not start with a header).
    private func publishedHeader() throws(StoreError) -> (generation: UInt64, end: Int)? {
        if let generation = mapped(Journal.generationOffset), let end = mapped(Journal.endOffset) {
            return (generation, Int(clamping: end))
        }
        return try readHeader().map { ($0.generation, $0.end) }
    }

    /// The journal's header as it is on disk (`nil`: the file does not start with one).
    private func readHeader() throws(StoreError) -> Journal.Header? {
        try Journal.decodeHeader(io.pread(journalFD, count: Journal.headerSize, at: 0, path: journalPath))
    }

    /// Reads the first `metadata.byteSize` bytes of the session file. While its file is still
    /// queued: the lines of its save (and appends after it), or the file's bytes before the queued
    /// appends and their lines; else (the queue does not know them) it waits for the file.
    public func readMessages(_ metadata: SessionMetadata) throws(StoreError) -> [UInt8] {
        if let pending = effects?.pendingLines(metadata.id), pending.from + pending.bytes.count == metadata.byteSize {
            // Bytes before `from` are not touched by the queued jobs.
            return pending.from == 0 ? pending.bytes : try readFile(metadata, count: pending.from) + pending.bytes
        }
        try effects?.waitUntilApplied(CollectionOfOne(metadata.id))
        return try readFile(metadata, count: metadata.byteSize)
    }

    /// The first `count` bytes of the session file of `metadata`, which must be complete lines.
    private func readFile(_ metadata: SessionMetadata, count: Int) throws(StoreError) -> [UInt8] {
        let path = sessionPath(metadata.id)
        let fd: Int32
        do { fd = try POSIX.openFile(path, O_RDONLY).fd } catch {
            if case .storageFailure(_, _, ENOENT) = error { throw .notFound(id: metadata.id) }
            throw error
        }
        defer { POSIX.close(fd) }
        let bytes = try io.pread(fd, count: count, at: 0, path: path)
        guard bytes.count == count, bytes.last.map({ $0 == UInt8(ascii: "\n") }) ?? true else {
            throw .corrupted(path: path, reason: "expected \(count) bytes ending in a newline, found \(bytes.count)", quarantinedAt: nil)
        }
        return bytes
    }

    /// Waits until every logged record's session file is written; the lock is then released unless
    /// a transaction holds it.
    /// - Throws: the error of a session file write that failed.
    func settle() throws(StoreError) { try effects?.drain() }

    /// Checkpoints (when the log holds anything and no other process wrote meanwhile) and closes.
    public func close(index: [SessionMetadata]) throws(StoreError) {
        try close { (index, nil) }
    }

    /// Closes as ``close(index:)`` does; `image` is built only if the close checkpoints.
    func close(image: () -> IndexImage) throws(StoreError) {
        guard journalFD >= 0 else { return }
        defer { release() }
        try effects?.drain()  // then the worker has released the lock
        try lockWaiting()
        defer { POSIX.unlock(lockFD) }
        let changes = try catchUp()
        if changes.isEmpty, position > Journal.headerSize { try checkpoint(image()) }
    }
}
