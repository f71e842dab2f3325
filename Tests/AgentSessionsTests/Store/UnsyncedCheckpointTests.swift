import Foundation
import Testing
@testable import AgentSessions

@Suite("FileBackend: a buffered checkpoint syncs nothing, and what keeps that safe", .enabled(if: POSIX.syncsFileSystem))
struct UnsyncedCheckpointTests {
    static func marked(_ dir: TemporaryDirectory) -> Bool { FileManager.default.fileExists(atPath: dir.path + "/unsynced") }

    /// A backend of `durability` that counts its syncs, opened.
    static func opened(_ dir: TemporaryDirectory, _ durability: Durability, threshold: Int = 1 << 30) throws -> (FileBackend, FaultInjector) {
        let backend = FileBackend(directory: dir.path, durability: durability, checkpointThreshold: threshold)
        let faults = FaultInjector()
        backend.faults = faults
        _ = try backend.open()
        return (backend, faults)
    }

    /// Saves `id` in its own buffered process (backend) and closes it: a checkpoint of buffered records only.
    static func bufferedCheckpoint(_ dir: TemporaryDirectory, saving id: String, lines: [UInt8]) throws {
        let (backend, _) = try opened(dir, .buffered)
        let m = metadata(id, bytes: lines.count)
        try FileBackendTests.write(backend, [.save(m, lines: lines)])
        try backend.close(index: [m])
    }

    @Test("a checkpoint of buffered records in a buffered process syncs only its marker, once; a durable process that opens the store syncs and removes it")
    func bufferedSyncsNothing() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<2)
        let (backend, faults) = try Self.opened(dir, .buffered, threshold: 1)
        var index: [SessionMetadata] = []
        var syncs: [Int] = []
        for id in ["a", "b", "c"] {
            index.append(metadata(id, bytes: lines.count))
            let before = faults.count(.sync)
            try FileBackendTests.write(backend, [.save(index.last!, lines: lines)], index: index)
            syncs.append(faults.count(.sync) - before)
        }
        // The first: the marker, made durable (file, directory) before the checkpoint's writes, and
        // the first catalog (a whole catalog is always written durably).
        #expect(syncs == [4, 0, 0])
        #expect(try FileManager.default.attributesOfItem(atPath: dir.path + "/journal")[.size] as? Int == Journal.headerSize,
                "each write checkpointed")
        #expect(Self.marked(dir))
        let (durable, durableFaults) = try Self.opened(dir, .durable)
        #expect(durableFaults.count(.sync) == 1 && !Self.marked(dir))
        #expect(FileBackendTests.sorted(try FileBackend(directory: dir.path).open()) == index)
        try durable.close(index: index)
    }

    @Test("a record that a durable process logged makes a buffered process's checkpoint sync (and remove the marker)",
          arguments: [Durability.durable, .buffered])
    func durableRecordSyncs(_ writerMode: Durability) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<2)
        try Self.bufferedCheckpoint(dir, saving: "a", lines: lines)
        let (writer, _) = try Self.opened(dir, writerMode)  // durable: its open syncs and removes the marker
        let (checkpointer, faults) = try Self.opened(dir, .buffered, threshold: 1)
        let a = metadata("a", bytes: lines.count), b = metadata("b", bytes: lines.count), c = metadata("c", bytes: lines.count)
        try FileBackendTests.write(writer, [.save(b, lines: lines)])
        #expect(try FileBackendTests.write(checkpointer, [.save(c, lines: lines)], index: [a, b, c]) == [.upsert(b)],
                "it followed b, then checkpointed")
        if writerMode == .durable {
            #expect(faults.count(.sync) > 0 && !Self.marked(dir))
        } else {
            #expect(faults.count(.sync) == 0 && Self.marked(dir))
        }
    }

    @Test("a durable process that follows another process's unsynced checkpoint syncs before it writes, and removes the marker")
    func durableFollowerSyncs() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<2)
        let (durable, faults) = try Self.opened(dir, .durable)
        try Self.bufferedCheckpoint(dir, saving: "a", lines: lines)
        #expect(Self.marked(dir))
        faults.fail(.sync, call: 1, errno: EIO)
        #expect(throws: StoreError.self) { try durable.beginWrite() }
        #expect(Self.marked(dir), "a failed sync leaves the marker, and the next transaction tries again")
        let before = faults.count(.sync)
        #expect(try durable.beginWrite() == [.reset([metadata("a", bytes: lines.count)])])
        #expect(faults.count(.sync) == before + 1 && !Self.marked(dir), "synced under the lock, before anything is logged")
        durable.abortWrite()
    }

    @Test("a marker that cannot be written stops the checkpoint before it changes anything; every acknowledged write is still there")
    func markerWriteFails() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<2)
        let (backend, faults) = try Self.opened(dir, .buffered)
        let a = metadata("a", bytes: lines.count)
        try FileBackendTests.write(backend, [.save(a, lines: lines)])
        faults.fail(.rename, onPathEndingIn: "/unsynced", errno: ENOSPC)
        #expect(throws: StoreError.storageFailure(path: dir.path + "/unsynced", operation: "rename (injected)", errno: ENOSPC)) {
            try backend.close(index: [a])
        }
        #expect(!Self.marked(dir) && !FileManager.default.fileExists(atPath: dir.path + "/index.snapshot"))
        #expect(try FileBackend(directory: dir.path, durability: .buffered).open() == [a])
    }

    @Test("after a reboot, a store whose last checkpoint did not sync has each session checked against its file; one whose checkpoint synced is not",
          arguments: [true, false])
    func verifiedAfterReboot(unsynced: Bool) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<4)
        let saved = ["a", "b", "c", "d"].map { metadata($0, messages: 4, bytes: lines.count) }
        do {
            let (backend, _) = try Self.opened(dir, .buffered)
            try FileBackendTests.write(backend, saved.map { .save($0, lines: lines) })
            try backend.close(index: saved)
        }
        if !unsynced { try FileManager.default.removeItem(atPath: dir.path + "/unsynced") }
        // What a power loss may leave of unsynced writes: a file cut short, one with fewer lines, one gone.
        let sessions = dir.path + "/sessions/"
        try Data(lines.prefix(5)).write(to: URL(fileURLWithPath: sessions + "b.jsonl"))
        try Data(jsonLines(0..<1)).write(to: URL(fileURLWithPath: sessions + "c.jsonl"))
        try FileManager.default.removeItem(atPath: sessions + "d.jsonl")
        FileBackendTests.patchJournal(dir.path, at: 16, Array("another-boot".utf8) + [UInt8](repeating: 0, count: 28))
        let backend = FileBackend(directory: dir.path, durability: .buffered)
        backend.deriveMetadata = { id, lines, _ in
            lines.last == UInt8(ascii: "\n") ? metadata(id, messages: lines.count { $0 == UInt8(ascii: "\n") }, bytes: lines.count) : nil
        }
        let opened = FileBackendTests.sorted(try backend.open())
        if unsynced {
            #expect(opened.map(\.id) == ["a", "c"], "b quarantined (its lines cannot be parsed), d dropped")
            #expect(opened.last?.messageCount == 1 && opened.last?.byteSize == jsonLines(0..<1).count, "c re-derived from its file")
            #expect(opened.last?.summary == "s-c", "keeping what only the metadata has")
            #expect(backend.quarantined.count == 1 && backend.quarantined[0].contains("b.jsonl"))
            #expect(FileBackendTests.sorted(try FileBackend(directory: dir.path).open()) == opened, "the fixes were checkpointed")
        } else {
            #expect(opened == saved, "not checked: a synced checkpoint's files survive a reboot")
        }
    }
}
