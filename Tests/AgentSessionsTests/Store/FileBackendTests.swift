import Foundation
import Synchronization
import Testing
@testable import AgentSessions

@Suite("FileBackend: log, recovery, checkpoints and sharing a directory")
struct FileBackendTests {
    /// Runs one write transaction and returns what it followed, once its saves' files are written too.
    @discardableResult
    static func write(
        _ backend: FileBackend, _ mutations: [StorageMutation], index: [SessionMetadata] = [], settle: Bool = true
    ) throws -> [StorageChange] {
        let changes = try backend.beginWrite()
        _ = try backend.write(mutations)
        try backend.endWrite { index }
        if settle { try backend.settle() }
        return changes
    }

    static func sorted(_ records: [SessionMetadata]) -> [SessionMetadata] { records.sorted { $0.id < $1.id } }

    @Test("a new store gets its layout with private permissions")
    func layout() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let root = dir.path + "/nested/store"
        let backend = FileBackend(directory: root, durability: .durable)
        #expect(try backend.open().isEmpty)
        try Self.write(backend, [.save(metadata("a", bytes: 8), lines: jsonLines(0..<1))])
        let fm = FileManager.default
        for path in [root, root + "/sessions", root + "/quarantine"] {
            #expect((try fm.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o700, "\(path)")
        }
        for path in [root + "/journal", root + "/lock", root + "/sessions/a.jsonl", root + "/FORMAT"] {
            #expect((try fm.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o600, "\(path)")
        }
    }

    @Test("save, append, update and delete survive a reopen without a clean close", arguments: [Durability.durable, .buffered])
    func reopen(_ durability: Durability) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let first = jsonLines(0..<3), more = jsonLines(3..<5)
        let saved = metadata("a", tags: ["x"], messages: 3, bytes: first.count)
        let appended = metadata("a", updated: 2_000, tags: ["x"], messages: 5, bytes: first.count + more.count)
        var retagged = appended
        retagged.tags = ["y"]
        do {
            let backend = FileBackend(directory: dir.path, durability: durability)
            _ = try backend.open()
            try Self.write(backend, [.save(saved, lines: first), .save(metadata("b", bytes: 8), lines: jsonLines(0..<1))])
            try Self.write(backend, [.append(appended, lines: more, offset: first.count)])
            try Self.write(backend, [.update(retagged), .delete(id: "b")])
            // No close(): as if the process died here.
        }
        let again = FileBackend(directory: dir.path, durability: durability)
        #expect(try again.open() == [retagged])
        #expect(try again.readMessages(retagged) == first + more)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/sessions/b.jsonl"))
    }

    @Test("a torn last log record is dropped on open; earlier records are kept")
    func tornTail() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<2)
        do {
            let backend = FileBackend(directory: dir.path, durability: .buffered)
            _ = try backend.open()
            try Self.write(backend, [.save(metadata("a", bytes: lines.count), lines: lines)])
            try Self.write(backend, [.save(metadata("b", bytes: lines.count), lines: lines)])
        }
        let journal = dir.path + "/journal"
        let size = try #require(FileManager.default.attributesOfItem(atPath: journal)[.size] as? Int)
        #expect(truncate(journal, off_t(size - 5)) == 0)
        let again = FileBackend(directory: dir.path, durability: .buffered)
        #expect(try again.open().map(\.id) == ["a"])
        #expect(try FileManager.default.attributesOfItem(atPath: journal)[.size] as? Int ?? 0 < size - 5)
        // The store stays writable after the repair.
        try Self.write(again, [.save(metadata("c", bytes: lines.count), lines: lines)])
        #expect(Set(try FileBackend(directory: dir.path).open().map(\.id)) == ["a", "c"])
    }

    @Test("a record whose writer died before applying it is applied by the next opener")
    func unappliedRecord() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<4)
        let m = metadata("a", messages: 4, bytes: lines.count)
        do {
            let backend = FileBackend(directory: dir.path, durability: .buffered)
            _ = try backend.open()
            try Self.write(backend, [.save(m, lines: lines)])
        }
        // Undo the file effect and clear the applied flag, as a kill between the two would leave it.
        try FileManager.default.removeItem(atPath: dir.path + "/sessions/a.jsonl")
        Self.patchJournal(dir.path, at: Journal.headerSize + Journal.appliedFlagOffset, [0, 0, 0, 0])
        let again = FileBackend(directory: dir.path)
        #expect(try again.open() == [m])
        #expect(try again.readMessages(m) == lines)
    }

    @Test("checkpoints write the snapshot and the metadata catalog and empty the log")
    func checkpoint() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<3)
        var index: [SessionMetadata] = []
        let backend = FileBackend(directory: dir.path, durability: .durable, checkpointThreshold: 1)
        _ = try backend.open()
        for i in 0..<5 {
            let m = metadata("s\(i)", tags: ["t\(i % 2)"], messages: 3, bytes: lines.count)
            index.append(m)
            try Self.write(backend, [.save(m, lines: lines)], index: index)
        }
        #expect(try Self.journalEnd(dir.path).end == Journal.headerSize)  // the file keeps its length (journalReuse)
        let catalog = try #require(FileManager.default.contents(atPath: dir.path + "/metadata.jsonl"))
        #expect(catalog.split(separator: UInt8(ascii: "\n")).count == 5, "one line per checkpointed change")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/sessions/s3.meta.json"), "no file per session")
        #expect(Self.sorted(try FileBackend(directory: dir.path).open()) == index)
        // Without the snapshot, the catalog rebuilds the same index.
        try FileManager.default.removeItem(atPath: dir.path + "/index.snapshot")
        #expect(Self.sorted(try FileBackend(directory: dir.path).open()) == index)
    }

    @Test("a damaged snapshot (a byte flipped, cut in half, emptied) is quarantined and the index rebuilt from the files and the log; one that cannot be read fails the open with the error",
          arguments: ["flipped", "halved", "emptied", "unreadable"])
    func damagedSnapshot(_ damage: String) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<1)
        let a = metadata("a", bytes: lines.count), b = metadata("b", bytes: lines.count)
        do {
            let backend = FileBackend(directory: dir.path, durability: .buffered)
            _ = try backend.open()
            try Self.write(backend, [.save(a, lines: lines)])
            try backend.close(index: [a])  // checkpoint: a is in the snapshot and the catalog
        }
        do {
            let backend = FileBackend(directory: dir.path, durability: .buffered)
            _ = try backend.open()
            try Self.write(backend, [.save(b, lines: lines)])  // b only in the log
        }
        let snapshot = dir.path + "/index.snapshot"
        var bytes = try #require(FileManager.default.contents(atPath: snapshot))
        switch damage {
        case "flipped": bytes[bytes.count / 2] ^= 0xFF
        case "halved": bytes = bytes.prefix(bytes.count / 2)
        case "emptied": bytes = Data()
        default:
            let faults = FaultInjector()
            faults.fail(.read, onPathEndingIn: "/index.snapshot", errno: EIO)
            let backend = FileBackend(directory: dir.path)
            backend.faults = faults
            #expect(throws: StoreError.storageFailure(path: snapshot, operation: "read (injected)", errno: EIO)) { try backend.open() }
            #expect(Self.sorted(try FileBackend(directory: dir.path).open()) == [a, b], "nothing was changed")
            return
        }
        try bytes.write(to: URL(fileURLWithPath: snapshot))
        let backend = FileBackend(directory: dir.path)
        #expect(Self.sorted(try backend.open()) == [a, b])
        #expect(backend.quarantined.count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/quarantine").count == 1)
    }

    @Test("a file quarantined under a name already taken (the same name in the same second, a dangling link included) gets the next free name, so nothing quarantined is replaced")
    func quarantineNameTaken() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let session = dir.path + "/sessions/a.jsonl", second = 1_700_000_000
        let first = dir.path + "/a.jsonl.1700000000"
        #expect(SessionFiles.quarantineTarget(session, in: dir.path, at: second) == first)
        try Data("quarantined before".utf8).write(to: URL(fileURLWithPath: first))
        #expect(SessionFiles.quarantineTarget(session, in: dir.path, at: second) == first + ".1")
        try FileManager.default.createSymbolicLink(atPath: first + ".1", withDestinationPath: dir.path + "/missing")
        #expect(SessionFiles.quarantineTarget(session, in: dir.path, at: second) == first + ".2")
        #expect(SessionFiles.quarantineTarget(session, in: dir.path, at: second + 1) == dir.path + "/a.jsonl.1700000001")
    }

    /// Two open backends on one directory, as two processes would have; the first never checkpoints on its own.
    static func twoBackends(_ path: String, first durability: Durability = .buffered) throws -> (FileBackend, FileBackend) {
        let one = FileBackend(directory: path, durability: durability, checkpointThreshold: 1 << 30)
        let two = FileBackend(directory: path, durability: .buffered)
        _ = try one.open()
        _ = try two.open()
        return (one, two)
    }

    @Test("two backends on one directory see each other's writes, checkpoints included")
    func twoWriters() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<2)
        let (one, two) = try Self.twoBackends(dir.path)
        let a = metadata("a", bytes: lines.count), b = metadata("b", bytes: lines.count)
        try Self.write(one, [.save(a, lines: lines)])
        #expect(try two.poll() == [.upsert(a)])
        #expect(try two.poll().isEmpty)
        #expect(try two.readMessages(a) == lines)
        #expect(try Self.write(two, [.save(b, lines: lines), .delete(id: "a")]).isEmpty)
        #expect(try one.beginWrite() == [.upsert(b), .remove(id: "a")])
        try one.endWrite { [b] }
        try one.close(index: [b])  // checkpoint: the log is emptied under the other's feet
        #expect(try two.poll() == [.reset([b])])
    }

    @Test("a process waiting for the lock holds `waiting` shared until it has the lock, which tells the holder to let it go")
    func waiterSignals() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let backend = FileBackend(directory: dir.path, durability: .buffered)
        _ = try backend.open()
        defer { try? backend.close(index: []) }
        // Another process's view of the two files.
        let lock = open(dir.path + "/lock", O_RDWR), waiting = open(dir.path + "/waiting", O_RDWR)
        defer { close(lock); close(waiting) }
        func someoneWaits() -> Bool {
            guard flock(waiting, LOCK_EX | LOCK_NB) == 0 else { return true }
            flock(waiting, LOCK_UN)
            return false
        }
        #expect(!someoneWaits())
        #expect(flock(lock, LOCK_EX) == 0)
        // The backend is not Sendable: this thread is its only user until `began` is signalled.
        nonisolated(unsafe) let waiter = backend
        let began = DispatchSemaphore(value: 0)
        let changes = Mutex<[StorageChange]?>(nil)
        Thread {
            changes.withLock { $0 = try? waiter.beginWrite() }
            began.signal()
        }.start()
        // Blocking in flock has no event to await: watch for its sign, the shared lock on `waiting`.
        var polls = 0
        while !someoneWaits() && polls < 2_000 {
            try await Task.sleep(for: .milliseconds(5))
            polls += 1
        }
        #expect(someoneWaits(), "the waiting transaction does not hold `waiting`")
        #expect(flock(lock, LOCK_UN) == 0)
        began.wait()
        #expect(changes.withLock { $0 } == [])
        #expect(!someoneWaits(), "`waiting` is let go once the lock is taken")
        #expect(flock(lock, LOCK_EX | LOCK_NB) != 0, "the transaction holds the lock")
        try backend.endWrite { [] }
        #expect(flock(lock, LOCK_EX | LOCK_NB) == 0)
        flock(lock, LOCK_UN)
    }

    @Test("a load of a session whose files are still queued does not wait for them: a save's lines and the appends after it, or the file's bytes before the queued appends and theirs")
    func loadsBehindQueuedFiles() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let faults = FaultInjector()
        let backend = FileBackend(directory: dir.path, durability: .buffered)
        backend.faults = faults
        _ = try backend.open()
        let a0 = jsonLines(0..<2), a1 = jsonLines(2..<3), a2 = jsonLines(3..<5)
        try Self.write(backend, [.save(metadata("a", bytes: a0.count), lines: a0)])
        // The file thread stops at the first append's write to a.jsonl.
        faults.hold(.write, onPathEndingIn: "/a.jsonl")
        defer {
            faults.release()
            try? backend.close(index: [])
        }
        try Self.write(backend, [.append(metadata("a", bytes: a0.count + a1.count), lines: a1, offset: a0.count)], settle: false)
        try #require(faults.waitUntilHeld())
        let a = metadata("a", bytes: a0.count + a1.count + a2.count)
        try Self.write(backend, [.append(a, lines: a2, offset: a0.count + a1.count)], settle: false)
        // Queued behind them: a new session, saved, then appended to.
        let b0 = jsonLines(5..<6), b1 = jsonLines(6..<8)
        let b = metadata("b", bytes: b0.count + b1.count)
        try Self.write(backend, [.save(metadata("b", bytes: b0.count), lines: b0), .append(b, lines: b1, offset: b0.count)], settle: false)
        let watchdog = HoldRelease(faults, after: 10)
        #expect(try backend.readMessages(b) == b0 + b1)
        #expect(try backend.readMessages(a) == a0 + a1 + a2)
        #expect(!watchdog.finish(), "a load waited for the held write")
        #expect(FileManager.default.contents(atPath: dir.path + "/sessions/a.jsonl") == Data(a0), "the appends' file write was not held")
        faults.release()
        try backend.settle()
        #expect(FileManager.default.contents(atPath: dir.path + "/sessions/a.jsonl") == Data(a0 + a1 + a2))
        #expect(FileManager.default.contents(atPath: dir.path + "/sessions/b.jsonl") == Data(b0 + b1))
    }

    @Test("past its threshold the log is not checkpointed while more than 64 files are queued (it would wait for them), until it reaches twice the threshold")
    func checkpointWaitsForBacklog() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let faults = FaultInjector()
        let threshold = 64 << 10
        let backend = FileBackend(directory: dir.path, durability: .buffered, checkpointThreshold: threshold)
        backend.faults = faults
        _ = try backend.open()
        func generation() throws -> UInt64 {
            let bytes = try #require(FileManager.default.contents(atPath: dir.path + "/journal"))
            return try #require(try Journal.decodeHeader(Array(bytes))).generation
        }
        let first = try generation()
        var records: [String: SessionMetadata] = [:]
        func write(_ mutation: StorageMutation, _ metadata: SessionMetadata) throws {
            records[metadata.id] = metadata
            try Self.write(backend, [mutation], index: Array(records.values), settle: false)
        }
        faults.hold(.write, onPathEndingIn: "/s0.jsonl")
        defer {
            faults.release()
            try? backend.close(index: Array(records.values))
        }
        let line = jsonLines(0..<1)
        try write(.save(metadata("s0", bytes: line.count), lines: line), metadata("s0", bytes: line.count))
        try #require(faults.waitUntilHeld())
        for i in 1...70 {  // 71 files queued (appends count), a short log
            let m = metadata("s0", bytes: (i + 1) * line.count)
            try write(.append(m, lines: line, offset: i * line.count), m)
        }
        let big = jsonLines(0..<1_000)
        let watchdog = HoldRelease(faults, after: 10)
        var i = 1
        while try generation() == first, try Self.journalEnd(dir.path).end + 2 * big.count < 2 * threshold {
            try write(.save(metadata("s\(i)", bytes: big.count), lines: big), metadata("s\(i)", bytes: big.count))
            i += 1
        }
        #expect(try Self.journalEnd(dir.path).end >= threshold)
        #expect(try generation() == first, "checkpointed past the threshold with \(70 + i) files queued")
        #expect(!watchdog.finish(), "a write waited for the held file")
        faults.release()
        try backend.settle()
        try write(.save(metadata("last", bytes: line.count), lines: line), metadata("last", bytes: line.count))
        #expect(try generation() == first + 1, "not checkpointed past the threshold with nothing queued")
    }

    /// The header's published end and the journal's size.
    static func journalEnd(_ dir: String) throws -> (end: Int, size: Int) {
        let bytes = try #require(FileManager.default.contents(atPath: dir + "/journal"))
        return (try #require(try Journal.decodeHeader(Array(bytes))).end, bytes.count)
    }

    /// Writes `bytes` into the journal at `offset` (as a writer killed midway, or an older
    /// library, would have left it), then cuts the file to `length` if one is given.
    static func patchJournal(_ dir: String, at offset: Int, _ bytes: [UInt8], length: Int? = nil) {
        let fd = open(dir + "/journal", O_WRONLY)
        defer { close(fd) }
        #expect(bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, bytes.count, off_t(offset)) } == bytes.count)
        if let length { #expect(ftruncate(fd, off_t(length)) == 0) }
    }

    /// Makes the journal's header name another boot of the machine, as after a reboot.
    static func patchBootID(_ dir: String) {
        let field = Journal.endOffset - Journal.bootIDOffset
        patchJournal(dir, at: Journal.bootIDOffset, Array("another-boot".utf8) + [UInt8](repeating: 0, count: field - 12))
    }

    @Test("every write publishes the log's end in the header; an end that is not the reader's position sends it to the log")
    func publishedEnd() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<2)
        let (one, two) = try Self.twoBackends(dir.path)
        #expect(try Self.journalEnd(dir.path) == (Journal.headerSize, Journal.headerSize))
        for n in 0..<3 {
            let m = metadata("s\(n)", bytes: lines.count)
            try Self.write(one, [.save(m, lines: lines)])
            let (end, size) = try Self.journalEnd(dir.path)
            #expect(end == size && size > Journal.headerSize)
            #expect(try two.poll() == [.upsert(m)])  // seen through the mapped header
            #expect(try two.poll().isEmpty)
        }
        // An end that was not published (0, as while a checkpoint writes a new header): readers
        // see the mismatch and fall back to reading the log's size.
        let late = metadata("late", bytes: lines.count)
        try Self.write(one, [.save(late, lines: lines)])
        Self.patchJournal(dir.path, at: Journal.endOffset, Journal.publishedEnd(0))
        #expect(try two.poll() == [.upsert(late)])
        #expect(try two.poll().isEmpty)
    }

    @Test("a durable writer keeps zeros ahead of the log; readers follow exactly the published records, and records logged but not published by a writer that died")
    func preallocatedLog() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<2)
        let (one, two) = try Self.twoBackends(dir.path, first: .durable)
        var saved: [SessionMetadata] = []
        for n in 0..<3 {
            let m = metadata("s\(n)", bytes: lines.count)
            saved.append(m)
            #expect(try Self.write(one, [.save(m, lines: lines)]).isEmpty)
            let (end, size) = try Self.journalEnd(dir.path)
            #expect(size - end >= FileBackend.preallocation / 2)
            let tail = try #require(FileManager.default.contents(atPath: dir.path + "/journal")).dropFirst(end)
            #expect(tail.allSatisfy { $0 == 0 })
            #expect(try two.poll() == [.upsert(m)])
            #expect(try two.poll().isEmpty)
        }
        // A record logged into the zeros whose writer died before publishing the end: the
        // published end still says the earlier one.
        let (before, _) = try Self.journalEnd(dir.path)
        let late = metadata("late", bytes: lines.count)
        #expect(try Self.write(one, [.save(late, lines: lines)]).isEmpty)
        Self.patchJournal(dir.path, at: Journal.endOffset, Journal.publishedEnd(before))
        #expect(try two.poll().isEmpty, "nothing published")
        #expect(try two.beginWrite() == [.upsert(late)], "a writer follows the log past the published end")
        try two.endWrite { [] }
        let (published, size) = try Self.journalEnd(dir.path)
        #expect(published == size, "the follower cut the zeros after the record it found")
        // The writer tops the zeros up again, to between 2 and 4 MiB ahead, as its records use them.
        let big = Array(("{\"p\":\"" + String(repeating: "x", count: 600_000) + "\"}\n").utf8)
        for n in 0..<8 {
            let m = metadata("big\(n)", bytes: big.count)
            saved.append(m)
            #expect(try Self.write(one, [.save(m, lines: big)]).isEmpty)
            let (end, size) = try Self.journalEnd(dir.path)
            #expect((FileBackend.preallocation / 2...FileBackend.preallocation).contains(size - end))
            #expect(try two.poll() == [.upsert(m)])
        }
        // Left without a clean close: the next opener reads the log up to the zeros, and leaves
        // them (only a torn record, or anything past the log after a reboot, is cut off).
        #expect(Self.sorted(try FileBackend(directory: dir.path).open()) == Self.sorted(saved + [late]))
        let reopened = try Self.journalEnd(dir.path)
        #expect(reopened.size - reopened.end >= FileBackend.preallocation / 2)
        let reopenedTail = try #require(FileManager.default.contents(atPath: dir.path + "/journal")).dropFirst(reopened.end)
        #expect(reopenedTail.allSatisfy { $0 == 0 })
    }

    @Test("a failed top-up of the zeros (a full disk) leaves the write acknowledged and the log as it was; the next write tops up", arguments: [ENOSPC, EIO])
    func failedPreallocation(_ code: Int32) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<2)
        let backend = FileBackend(directory: dir.path, durability: .durable)
        _ = try backend.open()
        let faults = FaultInjector()
        faults.fail(.write, call: 2, onPathEndingIn: "/journal", errno: code)  // after the record: the zeros
        backend.faults = faults
        let a = metadata("a", bytes: lines.count), b = metadata("b", bytes: lines.count)
        #expect(try Self.write(backend, [.save(a, lines: lines)]).isEmpty)
        #expect(faults.injected.count == 1)
        let (end, size) = try Self.journalEnd(dir.path)
        #expect(end == size && size > Journal.headerSize, "what the failed top-up wrote is cut off")
        #expect(try Self.write(backend, [.save(b, lines: lines)]).isEmpty)
        let (later, laterSize) = try Self.journalEnd(dir.path)
        #expect(laterSize - later == FileBackend.preallocation)
        #expect(Self.sorted(try FileBackend(directory: dir.path).open()) == [a, b])
    }

    @Test("a boot id that cannot be read is one of this process alone, never a fixed value that would hide a reboot")
    func unreadableBootID() throws {
        let first = Journal.bootID(path: "/nonexistent/boot_id")
        let second = Journal.bootID(path: "/nonexistent/boot_id")
        #if os(Linux)
        #expect(first != second)
        #expect(first.hasPrefix("unknown-") && first.utf8.count <= Journal.endOffset - Journal.bootIDOffset)
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try Data("0a1b2c3d-aaaa-bbbb-cccc-0123456789ab\n".utf8).write(to: URL(fileURLWithPath: dir.path + "/boot_id"))
        #expect(Journal.bootID(path: dir.path + "/boot_id") == "0a1b2c3d-aaaa-bbbb-cccc-0123456789ab")
        #else
        #expect(first == second && first.hasPrefix("boot-"))  // macOS: the boot time, whatever the path
        #endif
    }

    @Test("the log's header holds this boot's id (on Linux read from /proc, whose files report a size of 0); after a reboot every logged record is applied again")
    func rebootRedoesRecords() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<2)
        let a = metadata("a", bytes: lines.count)
        let backend = FileBackend(directory: dir.path, durability: .durable, checkpointThreshold: 1 << 30)
        _ = try backend.open()
        try Self.write(backend, [.save(a, lines: lines)])  // its record is marked applied
        let journal = Array(try #require(FileManager.default.contents(atPath: dir.path + "/journal")))
        #expect(try Journal.decodeHeader(journal)?.bootID == Journal.currentBootID)
        #if os(Linux)
        #expect(Journal.currentBootID.count == 36, "a UUID, not \"\(Journal.currentBootID)\"")
        #endif
        // A power loss took the file's bytes (only the log is synced), not the applied flag.
        try Data().write(to: URL(fileURLWithPath: dir.path + "/sessions/a.jsonl"))
        Self.patchBootID(dir.path)
        #expect(try FileBackend(directory: dir.path).open() == [a])
        #expect(FileManager.default.contents(atPath: dir.path + "/sessions/a.jsonl") == Data(lines))
    }

    @Test("a checkpoint that stops after its snapshot and before the new log is finished by the next process to write, so that process's writes survive a later open",
          arguments: [false, true])
    func interruptedCheckpoint(logTruncated: Bool) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<2)
        let (one, two) = try Self.twoBackends(dir.path)
        let a = metadata("a", bytes: lines.count), b = metadata("b", bytes: lines.count), c = metadata("c", bytes: lines.count)
        #expect(try Self.write(one, [.save(a, lines: lines), .save(b, lines: lines)]).isEmpty)
        #expect(try two.poll() == [.upsert(a), .upsert(b)])
        // Leave the state of a checkpoint killed between its snapshot and its new log header: the
        // snapshot of the next generation, and the old log (its header saying end 0, a checkpoint
        // under way; the records still there, or already truncated away) in the same file, which
        // `two` has mapped.
        var old = try #require(FileManager.default.contents(atPath: dir.path + "/journal")).map { $0 }
        try one.close(index: [a, b])
        old.replaceSubrange(Journal.endOffset..<Journal.endOffset + 8, with: Journal.publishedEnd(0))
        if logTruncated { old = Array(old.prefix(Journal.headerSize)) }
        Self.patchJournal(dir.path, at: 0, old, length: old.count)
        let changes = try Self.write(two, [.save(c, lines: lines)])
        if case .reset(let records) = changes.first, changes.count == 1 {
            #expect(Self.sorted(records) == [a, b])
        } else {
            Issue.record("expected the snapshot's records, got \(changes)")
        }
        #expect(Self.sorted(try FileBackend(directory: dir.path).open()) == [a, b, c], "c was acknowledged")
    }

    @Test("a checkpoint that fails before its snapshot leaves end 0 only until the next process takes the lock")
    func checkpointFailedBeforeSnapshot() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<2)
        let (one, two) = try Self.twoBackends(dir.path)
        let a = metadata("a", bytes: lines.count)
        #expect(try Self.write(one, [.save(a, lines: lines)]).isEmpty)
        #expect(try two.poll() == [.upsert(a)])
        let faults = FaultInjector()
        faults.fail(.rename, onPathEndingIn: "/index.snapshot", errno: EIO)
        one.faults = faults
        #expect(throws: StoreError.self) { try one.close(index: [a]) }
        #expect(faults.injected.count == 1)
        #expect(try Self.journalEnd(dir.path).end == 0)
        #expect(try two.poll().isEmpty)  // nothing new to follow, but the end is published again
        let (end, size) = try Self.journalEnd(dir.path)
        #expect(end == size && size > Journal.headerSize)
        #expect(try two.poll().isEmpty)
    }

    /// Rewrites the journal as a library of `version` (1 to 3) leaves it: that version in the
    /// header (with no published end for version 1), and records whose checksums start afresh
    /// and whose flags have no generation tag.
    static func rewriteJournal(_ dir: String, asVersion version: UInt32) throws {
        var bytes = Array(try #require(FileManager.default.contents(atPath: dir + "/journal")))
        let end = try #require(try Journal.decodeHeader(bytes)).end
        var offset = Journal.headerSize
        while offset < end {
            let lengths = try ByteReader.reading(bytes, from: offset + 12) { r throws(ByteReader.Truncated) in (try r.u32(), try r.u32()) }
            let recordEnd = offset + Journal.recordPrefix + Int(lengths.0) + Int(lengths.1)
            bytes[offset + 6] = 0
            bytes[offset + 7] = 0
            var crc = CRC32.checksum(bytes, from: offset + 8, to: offset + 20)
            crc = CRC32.checksum(bytes, from: offset + Journal.recordPrefix, to: recordEnd, seed: crc)
            withUnsafeBytes(of: crc.littleEndian) { bytes.replaceSubrange(offset + 20..<offset + 24, with: $0) }
            offset = recordEnd
        }
        withUnsafeBytes(of: version.littleEndian) { bytes.replaceSubrange(4..<8, with: $0) }
        if version == 1 { bytes.replaceSubrange(Journal.endOffset..<Journal.headerSize, with: Journal.publishedEnd(0)) }
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/journal"))
    }

    @Test("an older journal (its records' checksums without a generation) is replayed, then replaced at open by a checkpoint with a current header; an unknown version is refused",
          arguments: [UInt32(1), 3])
    func journalVersion(_ version: UInt32) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<2), more = jsonLines(2..<3)
        let a = metadata("a", bytes: lines.count), b = metadata("b", messages: 2, bytes: lines.count + more.count)
        let one = FileBackend(directory: dir.path, durability: .buffered, checkpointThreshold: 1 << 30)
        _ = try one.open()
        try Self.write(one, [.save(a, lines: lines), .save(metadata("b", bytes: lines.count), lines: lines)])
        try Self.write(one, [.append(b, lines: more, offset: lines.count)])
        try Self.rewriteJournal(dir.path, asVersion: version)
        let two = FileBackend(directory: dir.path, durability: .buffered)
        #expect(Self.sorted(try two.open()) == [a, b])
        #expect(try two.readMessages(b) == lines + more)
        let journal = try #require(FileManager.default.contents(atPath: dir.path + "/journal"))
        let header = try #require(try Journal.decodeHeader(Array(journal)))
        #expect(header.version == Journal.version && header.end == Journal.headerSize)
        // The checkpoint kept them: a third process sees them from the snapshot.
        #expect(Self.sorted(try FileBackend(directory: dir.path, durability: .buffered).open()) == [a, b])
        Self.patchJournal(dir.path, at: 4, withUnsafeBytes(of: (Journal.version + 1).littleEndian) { Array($0) })
        #expect(throws: StoreError.unsupportedFormat(path: "journal", found: "journal v\(Journal.version + 1)")) {
            try FileBackend(directory: dir.path, durability: .buffered).open()
        }
    }

    /// The length of `mutation`'s log record.
    static func recordLength(_ mutation: StorageMutation) -> Int {
        var bytes: [UInt8] = []
        Journal.encode(mutation, buffered: false, generation: 0, into: &bytes)
        return bytes.count
    }

    /// The generation in the journal's header.
    static func journalGeneration(_ dir: String) throws -> UInt64 {
        let bytes = try #require(FileManager.default.contents(atPath: dir + "/journal"))
        return try #require(try Journal.decodeHeader(Array(bytes))).generation
    }

    @Test("a checkpoint keeps the journal's length: the next generation's records overwrite the last one's, and a follower or an opener never takes an old record past the new log's end for a new one, even with its generation tag",
          arguments: [Durability.durable, .buffered])
    func journalReuse(_ durability: Durability) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        // Three versions of one session; the first and the third make records of one length.
        let first = jsonLines(0..<3), second = jsonLines(10..<14), third = jsonLines(5..<8)
        let v1 = metadata("a", messages: 3, bytes: first.count), v2 = metadata("a", updated: 2_000, messages: 4, bytes: second.count)
        let v3 = metadata("a", updated: 3_000, messages: 3, bytes: third.count)
        let r1 = StorageMutation.save(v1, lines: first), r2 = StorageMutation.save(v2, lines: second), r3 = StorageMutation.save(v3, lines: third)
        let length = Self.recordLength
        #expect(length(r1) == length(r3))  // so the old second record starts exactly where the new log ends
        let threshold = Journal.headerSize + length(r1) + length(r2)
        let writer = FileBackend(directory: dir.path, durability: durability, checkpointThreshold: threshold)
        let follower = FileBackend(directory: dir.path, durability: durability)
        _ = try writer.open()
        _ = try follower.open()
        try Self.write(writer, [r1, r2], index: [v2])  // reaches the threshold: a checkpoint
        let (emptied, size) = try Self.journalEnd(dir.path)
        #expect(emptied == Journal.headerSize && size >= threshold)  // a new header; the old records are still there
        try Self.write(writer, [r3], index: [v3])  // logged over the first record, below the threshold
        #expect(try Self.journalEnd(dir.path) == (end: Journal.headerSize + length(r1), size: size))
        // The old record now even bears the new generation's tag: only its checksum tells it is old.
        let tag = UInt16(truncatingIfNeeded: try Self.journalGeneration(dir.path))
        Self.patchJournal(dir.path, at: Journal.headerSize + length(r1) + 6, withUnsafeBytes(of: tag.littleEndian) { Array($0) })

        var followed: [String: SessionMetadata] = [:]
        for change in try follower.poll() {
            switch change {
            case .reset(let all): followed = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })
            case .upsert(let m): followed[m.id] = m
            case .remove(let id): followed[id] = nil
            }
        }
        #expect(followed == ["a": v3])
        // The writer never closes (as if killed while publishing no end): the opener recovers
        // from the snapshot and the log, which it reads to the file's end, old records included.
        Self.patchJournal(dir.path, at: Journal.endOffset, Journal.publishedEnd(0))
        let opener = FileBackend(directory: dir.path, durability: durability)
        #expect(try opener.open() == [v3])
        #expect(try opener.readMessages(v3) == third)
        try opener.close(index: [v3])
        #expect(try Self.journalEnd(dir.path).end == Journal.headerSize)
        #expect(try FileBackend(directory: dir.path, durability: durability).open() == [v3])
    }

    @Test("a generation started again (its header lost after records of it were written) starts from an empty file: those records never follow the new log")
    func restartedGeneration() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let first = jsonLines(0..<3), second = jsonLines(10..<14), third = jsonLines(5..<8), fifth = jsonLines(0..<3, tag: "m")
        let v1 = metadata("a", messages: 3, bytes: first.count), v2 = metadata("a", updated: 2_000, messages: 4, bytes: second.count)
        let v3 = metadata("a", updated: 3_000, messages: 3, bytes: third.count)
        let b = metadata("b", updated: 5_000, messages: 3, bytes: fifth.count)
        var v4 = v3
        v4.tags = ["stale"]
        let r1 = StorageMutation.save(v1, lines: first), r2 = StorageMutation.save(v2, lines: second)
        let r3 = StorageMutation.save(v3, lines: third), r5 = StorageMutation.save(b, lines: fifth)
        #expect(Self.recordLength(r3) == Self.recordLength(r5))  // so the old update would start exactly where the new log ends
        let writer = FileBackend(directory: dir.path, durability: .buffered,
                                 checkpointThreshold: Journal.headerSize + Self.recordLength(r1) + Self.recordLength(r2))
        _ = try writer.open()
        try Self.write(writer, [r1, r2], index: [v2])  // a checkpoint: generation G, snapshot G
        try Self.write(writer, [r3, .update(v4)], index: [v4])  // two records of G, below the threshold
        // As a power loss can leave it when the new header had not reached the disk: the header of
        // generation G - 1 with end 0 (its checkpoint under way), the snapshot of G, records of G.
        let generation = try Self.journalGeneration(dir.path)
        Self.patchJournal(dir.path, at: Journal.generationOffset, withUnsafeBytes(of: (generation - 1).littleEndian) { Array($0) })
        Self.patchJournal(dir.path, at: Journal.endOffset, Journal.publishedEnd(0))
        let opener = FileBackend(directory: dir.path, durability: .buffered)
        #expect(try opener.open() == [v2])  // the snapshot: the checkpoint is finished again
        #expect(try Self.write(opener, [r5], index: [v2, b]).isEmpty)  // nothing to follow
        #expect(Self.sorted(try FileBackend(directory: dir.path, durability: .buffered).open()) == [v2, b])
    }

    @Test("appends, saves and deletes leave no file descriptor open (found by the benchmark: errno 24 after ~1,000 appends)",
          .enabled(if: FileManager.default.fileExists(atPath: "/proc/self/fd"), "counts descriptors through /proc"))
    func noDescriptorLeak() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let backend = FileBackend(directory: dir.path, durability: .buffered)
        _ = try backend.open()
        let lines = jsonLines(0..<1)
        var m = metadata("s", bytes: lines.count)
        try Self.write(backend, [.save(m, lines: lines)])
        // Descriptors of this process open on the store's session files (other tests run in
        // parallel, so only these are counted). /proc names each descriptor's file (the test runs
        // only where it does).
        func openSessionFiles() throws -> Int {
            let fds = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")
            return fds.filter { fd in
                (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + fd))?
                    .hasPrefix(dir.path + "/sessions/") == true
            }.count
        }
        for n in 0..<50 {
            let offset = m.byteSize
            m.byteSize += lines.count
            // Two appends to one session in one batch share a descriptor.
            var second = m
            second.byteSize += lines.count
            try Self.write(backend, [.append(m, lines: lines, offset: offset), .append(second, lines: lines, offset: m.byteSize)])
            m = second
            let other = metadata("o\(n)", bytes: lines.count)
            try Self.write(backend, [.save(other, lines: lines)])
            try Self.write(backend, [.delete(id: other.id)])
        }
        #expect(try openSessionFiles() == 0)
        #expect(try backend.readMessages(m).count == lines.count * 101)
    }

    @Test("a load, append or delete right after a save waits for the save's file (written after the save returns)",
          arguments: [Durability.durable, .buffered])
    func effectsInOrder(_ durability: Durability) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let backend = FileBackend(directory: dir.path, durability: durability)
        _ = try backend.open()
        let first = jsonLines(0..<3), second = jsonLines(10..<12), more = jsonLines(3..<4)
        for n in 0..<100 {
            let id = "s\(n)"
            let saved = metadata(id, bytes: first.count)
            try Self.write(backend, [.save(saved, lines: first)], settle: false)
            #expect(try backend.readMessages(saved) == first)
            // A replacement (temporary file and rename) then an append or a delete, none waited for here.
            try Self.write(backend, [.save(metadata(id, bytes: second.count), lines: second)], settle: false)
            if n.isMultiple(of: 2) {
                try Self.write(backend, [.delete(id: id)], settle: false)
            } else {
                try Self.write(backend, [.append(metadata(id, bytes: second.count + more.count), lines: more, offset: second.count)], settle: false)
            }
        }
        // The same within one batch.
        try Self.write(backend, [
            .save(metadata("b1", bytes: first.count), lines: first),
            .append(metadata("b1", bytes: first.count + more.count), lines: more, offset: first.count),
            .save(metadata("b2", bytes: first.count), lines: first), .delete(id: "b2"),
        ], settle: false)
        try backend.settle()
        for n in 0..<100 {
            let file = FileManager.default.contents(atPath: dir.path + "/sessions/s\(n).jsonl").map(Array.init)
            #expect(file == (n.isMultiple(of: 2) ? nil : second + more), "s\(n)")
        }
        #expect(FileManager.default.contents(atPath: dir.path + "/sessions/b1.jsonl").map(Array.init) == first + more)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/sessions/b2.jsonl"))
        try backend.close(index: [])
    }

    @Test("another process cannot take the store's lock until the saves' files are written")
    func lockKeptForFiles() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let backend = FileBackend(directory: dir.path, durability: .buffered)
        _ = try backend.open()
        let other = open(dir.path + "/lock", O_RDWR)  // another open file description: another process
        defer { close(other) }
        let lines = jsonLines(0..<2)
        for n in 0..<50 {
            try Self.write(backend, [.save(metadata("s\(n)", bytes: lines.count), lines: lines)], settle: false)
            // Whenever the other side gets the lock, every file logged so far must be there.
            if flock(other, LOCK_EX | LOCK_NB) == 0 {
                let missing = (0...n).filter { !FileManager.default.fileExists(atPath: dir.path + "/sessions/s\($0).jsonl") }
                #expect(missing.isEmpty, "lock free with files missing: \(missing)")
                flock(other, LOCK_UN)
            }
        }
        try backend.settle()
        #expect(flock(other, LOCK_EX | LOCK_NB) == 0, "released once every file is written")
        flock(other, LOCK_UN)
        try backend.close(index: [])
    }

    @Test("a directory at a saved session's file path is moved to quarantine/ and the file written")
    func saveOverDirectory() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let backend = FileBackend(directory: dir.path, durability: .buffered)
        _ = try backend.open()
        let lines = jsonLines(0..<2)
        let path = dir.path + "/sessions/d.jsonl"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        #expect(FileManager.default.createFile(atPath: path + "/inside", contents: Data("kept".utf8)))
        try Self.write(backend, [.save(metadata("d", bytes: lines.count), lines: lines)])
        #expect(FileManager.default.contents(atPath: path) == Data(lines))
        let moved = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/quarantine")
        #expect(moved.count == 1 && moved[0].hasPrefix("d.jsonl."))
        #expect(FileManager.default.contents(atPath: dir.path + "/quarantine/" + moved[0] + "/inside") == Data("kept".utf8))
        try backend.close(index: [])
    }

    @Test("a directory at a saved session's file path that cannot be moved: the file write fails; the next open keeps the logged lines in quarantine/, drops the session and opens")
    func saveOverImmovableDirectory() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<2)
        let path = dir.path + "/sessions/d.jsonl"
        let backend = FileBackend(directory: dir.path, durability: .buffered)
        let faults = FaultInjector()
        backend.faults = faults
        _ = try backend.open()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        // Rename 1 meets the directory (EISDIR); rename 2, moving it aside, is refused (as for a
        // directory this process may not move, which root, running CI, always may).
        faults.fail(.rename, call: 2, errno: EACCES)
        #expect(throws: StoreError.storageFailure(path: path, operation: "rename", errno: EISDIR)) {
            try Self.write(backend, [.save(metadata("d", bytes: lines.count), lines: lines)])
        }
        #expect(throws: StoreError.self) { try backend.close(index: []) }

        let reopened = FileBackend(directory: dir.path, durability: .buffered)
        let refusing = FaultInjector()
        reopened.faults = refusing
        // Rename 1 meets the directory again; 2 (the write moving it aside), 3 (the recovery's
        // quarantine of the session) and 5 (the orphan check's) are refused; 4 keeps the lines.
        for call in [2, 3, 5] { refusing.fail(.rename, call: call, errno: EACCES) }
        let records = try reopened.open()
        #expect(refusing.count(.rename) == 5 && !records.contains { $0.id == "d" })
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue)
        let kept = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/quarantine").filter { $0.hasPrefix("d.jsonl.logged.") }
        #expect(kept.count == 1)
        #expect(kept.first.flatMap { FileManager.default.contents(atPath: dir.path + "/quarantine/" + $0) } == Data(lines))
        #expect(reopened.quarantined.contains { $0.hasPrefix(path + ": not moved") })
        try reopened.close(index: records)
    }

    @Test("an append whose file lost bytes it expects is reported, not papered over: by the wait for its file and by the next write")
    func appendOnShortFile() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<2)
        let backend = FileBackend(directory: dir.path, durability: .buffered)
        _ = try backend.open()
        try Self.write(backend, [.save(metadata("a", bytes: lines.count), lines: lines)])
        let path = dir.path + "/sessions/a.jsonl"
        #expect(truncate(path, 3) == 0)
        // Logged and acknowledged: the file is extended after the write returns.
        try Self.write(backend, [.append(metadata("a", bytes: lines.count + 8), lines: jsonLines(2..<3), offset: lines.count)], settle: false)
        let short = StoreError.corrupted(path: path, reason: "file has 3 bytes, the log expects \(lines.count)", quarantinedAt: nil)
        #expect(throws: short) { try backend.settle() }
        #expect(throws: short) { _ = try backend.beginWrite() }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count == 3, "the short file was written over")
    }

    @Test("a store written by an unknown format version is refused")
    func unknownFormat() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try Data("{\"format\":\"agent-sessions-store\",\"version\":99}\n".utf8).write(to: URL(fileURLWithPath: dir.path + "/FORMAT"))
        #expect(throws: StoreError.unsupportedFormat(path: dir.path + "/FORMAT", found: "version 99")) {
            try FileBackend(directory: dir.path).open()
        }
    }

    @Test("the default directory follows AGENT_SESSIONS_DIR, then XDG_DATA_HOME, then HOME")
    func defaultDirectory() {
        #expect(FileBackend.defaultDirectory(environment: ["AGENT_SESSIONS_DIR": "/x", "HOME": "/h"]) == "/x")
        #if !os(macOS)
        #expect(FileBackend.defaultDirectory(environment: ["XDG_DATA_HOME": "/d", "HOME": "/h"]) == "/d/agent-sessions")
        #expect(FileBackend.defaultDirectory(environment: ["HOME": "/h"]) == "/h/.local/share/agent-sessions")
        #endif
    }
}

@Suite("MetadataFile")
struct MetadataFileTests {
    @Test("metadata files and the binary record round-trip every field exactly, wall-clock dates included (found by the kill and fault tests)")
    func exactRoundTrip() throws {
        let m = SessionMetadata(
            id: "r16-41", createdAt: Date(),  // from the wall clock: not exactly representable in Unix seconds
            updatedAt: Date(timeIntervalSince1970: 1_763_733_868.987_654_3), messageCount: 2, totalCostUSD: 0.1 + 0.2,
            turnCount: 3, tags: ["a", "ü"], summary: "line\n\"quoted\" 日本", model: "m", byteSize: 264)
        #expect(MetadataFile.decode(MetadataFile.encode(m)) == m)
        var w = ByteWriter()
        w.metadata(m)
        #expect(try ByteReader.reading(w.bytes) { r throws(ByteReader.Truncated) in try r.metadata() } == m)
        #expect(MetadataFile.decode(Array("{\"format_version\":2}".utf8)) == nil)
    }

    @Test("a catalog line, written member by member, is the JSON object of every field in the documented order",
          arguments: [
            (["a", "ü"], "line\n\"quoted\" 日本 \u{1B}", "claude-x"), ([], nil, nil), (["only"], "", nil), (["b", "c", "d"], nil, "m"),
          ] as [([String], String?, String?)])
    func lineMembers(_ tags: [String], _ summary: String?, _ model: String?) throws {
        let m = SessionMetadata(
            id: "s\u{7}-1", createdAt: Date(timeIntervalSince1970: 1_763_733_868.987_654_3), updatedAt: Date(timeIntervalSince1970: -1.5),
            messageCount: 17, totalCostUSD: 0.1 + 0.2, turnCount: 3, tags: tags, summary: summary, model: model, byteSize: 11_264)
        var object: JSONObject = [
            "format_version": 1, "id": .string(m.id),
            "created_at": "2025-11-21T14:04:28.988Z", "created_at_ref": .double(m.createdAt.timeIntervalSinceReferenceDate),
            "updated_at": "1969-12-31T23:59:58.500Z", "updated_at_ref": .double(m.updatedAt.timeIntervalSinceReferenceDate),
            "message_count": 17, "total_cost_usd": .double(0.1 + 0.2), "turn_count": 3, "tags": .array(m.tags.map { .string($0) }),
            "byte_size": 11_264,
        ]
        if let summary { object.append(key: "summary", value: .string(summary)) }
        if let model { object.append(key: "model", value: .string(model)) }
        #expect(MetadataFile.encode(m) == JSONValue.object(object).serialized() + [UInt8(ascii: "\n")])
        var deletion = JSONWriter()
        MetadataFile.writeDeletion(m.id, to: &deletion)
        #expect(deletion.bytes() == JSONValue.object(["id": .string(m.id), "deleted": true]).serialized() + [UInt8(ascii: "\n")])
        #expect(MetadataFile.deletedID(deletion.bytes()) == m.id)
    }
}

@Suite("FileBackend: a directory that cannot be written")
struct ReadOnlyStoreTests {
    #if os(Linux)
    @Test("a store under a read-only file system reports read_only with the path")
    func readOnly() {
        // /sys refuses new entries even to root, so this holds wherever the tests run.
        #expect(throws: StoreError.readOnly(path: "/sys/agent-sessions-test/store")) {
            try FileBackend(directory: "/sys/agent-sessions-test/store").open()
        }
    }
    #endif
}
