import Foundation
import Testing
@testable import AgentSessions

@Suite("FileBackend: a buffered checkpoint syncs only its new log header, and what keeps that safe", .enabled(if: POSIX.syncsFileSystem))
struct UnsyncedCheckpointTests {
    static func marked(_ dir: TemporaryDirectory) -> Bool { FileManager.default.fileExists(atPath: dir.path + "/unsynced") }

    /// A backend of `durability` that counts its syncs, opened, and the index it opened with.
    @discardableResult
    static func opened(
        _ dir: TemporaryDirectory, _ durability: Durability, threshold: Int = 1 << 30, faults: FaultInjector = FaultInjector()
    ) throws -> (FileBackend, FaultInjector, records: [SessionMetadata]) {
        let backend = FileBackend(directory: dir.path, durability: durability, checkpointThreshold: threshold)
        backend.faults = faults
        // Counts lines; `nil` (cannot be parsed) when the last one is torn.
        backend.deriveMetadata = { id, lines, _ in
            lines.last == UInt8(ascii: "\n") ? metadata(id, messages: lines.count { $0 == UInt8(ascii: "\n") }, bytes: lines.count) : nil
        }
        let records = try backend.open()
        return (backend, faults, FileBackendTests.sorted(records))
    }

    /// Writes `mutations` in their own buffered process (backend) and closes it: a checkpoint of buffered records only.
    static func bufferedCheckpoint(_ dir: TemporaryDirectory, _ mutations: [StorageMutation], index: [SessionMetadata]) throws {
        let backend = try opened(dir, .buffered).0
        try FileBackendTests.write(backend, mutations)
        try backend.close(index: index)
    }

    /// What a power loss and a reboot leave: the journal header and the marker name another boot.
    static func reboot(_ dir: TemporaryDirectory) throws {
        FileBackendTests.patchBootID(dir.path)
        if marked(dir) { try Data("another-boot".utf8).write(to: URL(fileURLWithPath: dir.path + "/unsynced")) }
    }

    @Test("a checkpoint of buffered records in a buffered process syncs only its marker (once) and its new log header; a durable process that opens the store syncs and removes the marker")
    func bufferedSyncsNothing() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<2)
        let (backend, faults, _) = try Self.opened(dir, .buffered, threshold: 1)
        var index: [SessionMetadata] = []
        var syncs: [Int] = []
        for id in ["a", "b", "c"] {
            index.append(metadata(id, bytes: lines.count))
            let before = faults.count(.sync)
            try FileBackendTests.write(backend, [.save(index.last!, lines: lines)], index: index)
            syncs.append(faults.count(.sync) - before)
        }
        // Each: the new log header (file, directory). The first also: the marker, made durable
        // (file, directory) before the checkpoint's writes, and the first catalog (a whole
        // catalog is always written durably).
        #expect(syncs == [6, 2, 2])
        #expect(try FileBackendTests.journalEnd(dir.path).end == Journal.headerSize, "each write checkpointed")
        #expect(try String(contentsOfFile: dir.path + "/unsynced", encoding: .utf8) == Journal.currentBootID)
        #expect(!Journal.currentBootID.isEmpty)
        let (durable, durableFaults, _) = try Self.opened(dir, .durable)
        #expect(durableFaults.count(.sync) == 1 && !Self.marked(dir))
        #expect(FileBackendTests.sorted(try FileBackend(directory: dir.path).open()) == index)
        try durable.close(index: index)
    }

    @Test("a record that a durable process logged makes a buffered process's checkpoint sync", arguments: [Durability.durable, .buffered])
    func durableRecordSyncs(_ writerMode: Durability) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<2)
        let a = metadata("a", bytes: lines.count), b = metadata("b", bytes: lines.count), c = metadata("c", bytes: lines.count)
        try Self.bufferedCheckpoint(dir, [.save(a, lines: lines)], index: [a])
        let (writer, _, _) = try Self.opened(dir, writerMode)  // durable: its open syncs and removes the marker
        let (checkpointer, faults, _) = try Self.opened(dir, .buffered, threshold: 1)
        try FileBackendTests.write(writer, [.save(b, lines: lines)])
        #expect(try FileBackendTests.write(checkpointer, [.save(c, lines: lines)], index: [a, b, c]) == [.upsert(b)],
                "it followed b, then checkpointed")
        if writerMode == .durable {
            #expect(faults.count(.sync) == 6 && !Self.marked(dir), "log, file system, snapshot (2), log header (2); no marker")
        } else {
            #expect(faults.count(.sync) == 2 && Self.marked(dir), "the log header only")
        }
    }

    @Test("a buffered process that opens a log holding a durable record syncs its checkpoint")
    func durableRecordReplayedAtOpen() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<2)
        let a = metadata("a", bytes: lines.count), b = metadata("b", bytes: lines.count)
        let (writer, _, _) = try Self.opened(dir, .durable)
        try FileBackendTests.write(writer, [.save(a, lines: lines)])  // not closed: a stays in the log
        let (checkpointer, faults, _) = try Self.opened(dir, .buffered, threshold: 1)
        try FileBackendTests.write(checkpointer, [.save(b, lines: lines)], index: [a, b])
        #expect(faults.count(.sync) == 8 && !Self.marked(dir), "log, file system, first catalog (2), snapshot (2), log header (2)")
    }

    @Test("a durable process that follows another process's unsynced checkpoint syncs before it writes, and removes the marker; a failed sync is tried again")
    func durableFollowerSyncs() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<2)
        let a = metadata("a", bytes: lines.count)
        let (durable, faults, _) = try Self.opened(dir, .durable)
        try Self.bufferedCheckpoint(dir, [.save(a, lines: lines)], index: [a])
        #expect(Self.marked(dir))
        faults.fail(.sync, call: 1, errno: EIO)
        #expect(throws: StoreError.self) { try durable.beginWrite() }
        #expect(Self.marked(dir), "a failed sync leaves the marker, and the next transaction tries again")
        let before = faults.count(.sync)
        #expect(try durable.beginWrite() == [.reset([a])])
        #expect(faults.count(.sync) == before + 1 && !Self.marked(dir), "synced under the lock, before anything is logged")
        durable.abortWrite()
    }

    @Test("a marker that cannot be written stops the checkpoint before it changes anything; every acknowledged write is still there")
    func markerWriteFails() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<2)
        let (backend, faults, _) = try Self.opened(dir, .buffered)
        let a = metadata("a", bytes: lines.count)
        try FileBackendTests.write(backend, [.save(a, lines: lines)])
        faults.fail(.rename, onPathEndingIn: "/unsynced", errno: ENOSPC)
        #expect(throws: StoreError.storageFailure(path: dir.path + "/unsynced", operation: "rename (injected)", errno: ENOSPC)) {
            try backend.close(index: [a])
        }
        for file in ["unsynced", "index.snapshot", "metadata.jsonl"] {
            #expect(!FileManager.default.fileExists(atPath: dir.path + "/" + file), "\(file)")
        }
        #expect(try FileBackend(directory: dir.path, durability: .buffered).open() == [a])
    }

    @Test("in a later boot, a store whose last checkpoint did not sync has each session checked against its file, then checkpointed; one whose checkpoint synced is not checked",
          arguments: [(true, Durability.buffered), (true, .durable), (false, .buffered)])
    func verifiedAfterReboot(unsynced: Bool, opener: Durability) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<4)
        let saved = ["a", "b", "c", "d", "e"].map { metadata($0, messages: 4, bytes: lines.count) }
        try Self.bufferedCheckpoint(dir, saved.map { .save($0, lines: lines) }, index: saved)
        if !unsynced { try FileManager.default.removeItem(atPath: dir.path + "/unsynced") }
        // What a power loss may leave of unsynced writes: a file torn in its first line, one with
        // fewer lines, one gone, one torn after a complete line.
        let sessions = dir.path + "/sessions/"
        try Data(lines.prefix(5)).write(to: URL(fileURLWithPath: sessions + "b.jsonl"))
        try Data(jsonLines(0..<1)).write(to: URL(fileURLWithPath: sessions + "c.jsonl"))
        try FileManager.default.removeItem(atPath: sessions + "d.jsonl")
        try Data(lines.prefix(jsonLines(0..<1).count + 3)).write(to: URL(fileURLWithPath: sessions + "e.jsonl"))
        try Self.reboot(dir)
        let (backend, _, opened) = try Self.opened(dir, opener)
        guard unsynced else {
            #expect(opened == saved, "not checked: a synced checkpoint's files survive a reboot")
            return
        }
        let one = jsonLines(0..<1).count
        #expect(opened.map(\.id) == ["a", "c", "e"], "b quarantined (no line of it parses), d dropped")
        #expect(try Self.opened(dir, .buffered).records == opened, "the fixes were checkpointed")
        #expect(opened.dropFirst().allSatisfy { $0.messageCount == 1 && $0.byteSize == one && $0.summary == "s-\($0.id)" },
                "c and e re-derived from their files (e cut after its complete line), keeping what only the metadata has")
        #expect(try FileManager.default.attributesOfItem(atPath: sessions + "e.jsonl")[.size] as? Int == one)
        #expect(backend.quarantined.count == 1 && backend.quarantined[0].contains("b.jsonl"))
        if opener == .durable {
            #expect(!Self.marked(dir), "the checkpoint synced")
        } else {
            #expect(try String(contentsOfFile: dir.path + "/unsynced", encoding: .utf8) == Journal.currentBootID, "this boot's now")
        }
    }

    @Test("a check after a reboot that fails before its checkpoint is done again by the next opener")
    func interruptedCheck() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<2)
        let saved = ["a", "b"].map { metadata($0, bytes: lines.count) }
        try Self.bufferedCheckpoint(dir, saved.map { .save($0, lines: lines) }, index: saved)
        try FileManager.default.removeItem(atPath: dir.path + "/sessions/b.jsonl")
        try Self.reboot(dir)
        let faults = FaultInjector()
        faults.fail(.rename, onPathEndingIn: "/index.snapshot", errno: EIO)
        #expect(throws: StoreError.self) { try Self.opened(dir, .buffered, faults: faults) }
        #expect(faults.injected.count == 1)
        #expect(try Self.opened(dir, .buffered).records.map(\.id) == ["a"], "b dropped: its file is gone")
    }

    @Test("in a later boot, an append logged after an unsynced checkpoint goes after what survived of its file; a file that is gone drops its session and keeps the lines",
          arguments: [false, true])
    func appendOverLostWrites(fileGone: Bool) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let first = jsonLines(0..<2), second = jsonLines(2..<4), third = jsonLines(4..<5)
        var s = metadata("s", tags: ["kept"], messages: 2, bytes: first.count)
        do {  // durably saved and checkpointed
            let (durable, _, _) = try Self.opened(dir, .durable)
            try FileBackendTests.write(durable, [.save(s, lines: first)])
            try durable.close(index: [s])
        }
        s.messageCount = 4
        s.byteSize = first.count + second.count
        try Self.bufferedCheckpoint(dir, [.append(s, lines: second, offset: first.count)], index: [s])
        let (buffered, _, _) = try Self.opened(dir, .buffered)
        let appended = metadata("s", tags: ["kept"], messages: 5, bytes: s.byteSize + third.count)
        try FileBackendTests.write(buffered, [.append(appended, lines: third, offset: s.byteSize)])  // in the log, not checkpointed
        // The power loss: the second append's bytes were not written back, but for a torn half line.
        let path = dir.path + "/sessions/s.jsonl"
        if fileGone {
            try FileManager.default.removeItem(atPath: path)
        } else {
            try Data(first + second.prefix(3)).write(to: URL(fileURLWithPath: path))
        }
        try Self.reboot(dir)
        let (backend, _, records) = try Self.opened(dir, .buffered)
        if fileGone {
            #expect(records.isEmpty)
            #expect(backend.quarantined.contains { $0.contains("s.jsonl.logged") })
        } else {
            #expect(try Array(Data(contentsOf: URL(fileURLWithPath: path))) == first + third, "the durable save, then the last append")
            #expect(records.map(\.messageCount) == [3] && records.map(\.byteSize) == [first.count + third.count])
            #expect(records.map(\.tags) == [["kept"]])
        }
    }
}
