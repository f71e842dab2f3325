import Foundation
import Testing
@testable import AgentSessions

@Suite("MetadataCatalog: the metadata.jsonl that rebuilds the index without the snapshot")
struct MetadataCatalogTests {
    static func catalog(_ dir: TemporaryDirectory) -> MetadataCatalog {
        MetadataCatalog(path: dir.path + "/metadata.jsonl", directory: dir.path, io: FileIO())
    }

    static func appendRaw(_ text: String, to path: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }

    @Test("the last line of an id wins, a deletion line removes it, and an absent file is empty")
    func lastLineWins() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let catalog = Self.catalog(dir)
        #expect(try catalog.read().index.isEmpty)
        let a1 = metadata("a", tags: ["x"]), a2 = metadata("a", updated: 2_000, tags: ["y"]), b = metadata("b"), c = metadata("c")
        try catalog.append(["a": a1, "b": b, "c": c], all: [a1, b, c])
        let deletion: [String: SessionMetadata?] = ["a": a2, "b": .none]
        try catalog.append(deletion, all: [a2, c])
        let contents = try catalog.read()
        #expect(contents.index == ["a": a2, "c": c])
        #expect(contents.deleted == ["b"])
        #expect(contents.badLines.isEmpty)
        try catalog.append(["b": b], all: [a2, b, c])
        #expect(try catalog.read().index == ["a": a2, "b": b, "c": c], "a session saved again after its deletion is back")
        #expect(try catalog.read().deleted.isEmpty)
    }

    @Test("a torn last line is ignored when reading and cut off by the next append")
    func tornTail() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let catalog = Self.catalog(dir)
        let a = metadata("a"), b = metadata("b")
        try catalog.append(["a": a], all: [a])
        let intact = try #require(FileManager.default.contents(atPath: catalog.path))
        try Self.appendRaw(String(decoding: MetadataFile.encode(b).dropLast(9), as: UTF8.self), to: catalog.path)
        let torn = try catalog.read()
        #expect(torn.index == ["a": a])
        #expect(torn.badLines.isEmpty, "a torn tail is an interrupted checkpoint, not damage")
        try catalog.append(["b": b], all: [a, b])
        #expect(try catalog.read().index == ["a": a, "b": b])
        #expect(FileManager.default.contents(atPath: catalog.path) == intact + Data(MetadataFile.encode(b)))
    }

    @Test("a line that cannot be decoded is reported by its number and skipped")
    func badLine() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let catalog = Self.catalog(dir)
        let a = metadata("a"), b = metadata("b")
        try catalog.append(["a": a], all: [a])
        try Self.appendRaw("{\"format_version\":1,\"id\":\"zz\"\n", to: catalog.path)
        try catalog.append(["b": b], all: [a, b])
        let contents = try catalog.read()
        #expect(contents.index == ["a": a, "b": b])
        #expect(contents.badLines == [2])
    }

    @Test("when superseded lines make up most of it, the catalog is rewritten from the whole index")
    func compaction() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let catalog = Self.catalog(dir)
        let others = (0..<20).map { metadata("other-\($0)") }
        try catalog.append(Dictionary(uniqueKeysWithValues: others.map { ($0.id, $0) }), all: others)
        var sizes: [Int] = []
        var latest = metadata("hot")
        for i in 0..<20_000 {
            latest = metadata("hot", updated: 2_000 + Double(i), tags: ["t\(i % 7)"])
            try catalog.append(["hot": latest], all: others + [latest])
            sizes.append(try #require(FileManager.default.attributesOfItem(atPath: catalog.path)[.size] as? Int))
        }
        let line = MetadataFile.encode(latest).count
        #expect(sizes.max()! <= 2 * 21 * line + (1 << 20) + line, "bounded by the compaction rule")
        #expect(sizes.contains { $0 < sizes.max()! / 2 }, "it was rewritten at least once")
        let contents = try catalog.read()
        #expect(contents.index.count == 21)
        #expect(contents.index["hot"] == latest)
    }
}

@Suite("FileBackend: rebuilding from the metadata catalog")
struct CatalogRebuildTests {
    static func backend(_ dir: TemporaryDirectory) -> FileBackend {
        let backend = FileBackend(directory: dir.path, durability: .buffered, checkpointThreshold: 1)
        backend.deriveMetadata = { id, lines, _ in
            metadata(id, tags: ["derived"], messages: lines.count { $0 == UInt8(ascii: "\n") }, bytes: lines.count)
        }
        return backend
    }

    @Test("saves, re-saves, tag updates and deletes over several checkpoints rebuild the same index without the snapshot")
    func rebuild() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<2)
        var index: [String: SessionMetadata] = [:]
        do {
            let backend = Self.backend(dir)
            _ = try backend.open()
            func write(_ mutation: StorageMutation) throws {
                switch mutation {
                case .save(let m, _), .append(let m, _, _), .update(let m): index[m.id] = m
                case .delete(let id): index[id] = nil
                }
                _ = try FileBackendTests.write(backend, [mutation], index: Array(index.values))
            }
            for i in 0..<6 { try write(.save(metadata("s\(i)", tags: ["t"], messages: 2, bytes: lines.count), lines: lines)) }
            try write(.update(metadata("s1", tags: ["t", "kept"], messages: 2, bytes: lines.count)))
            try write(.delete(id: "s2"))
            try write(.save(metadata("s3", created: 5, tags: ["again"], messages: 4, bytes: 2 * lines.count), lines: lines + lines))
            try write(.save(metadata("s2", created: 9, messages: 2, bytes: lines.count), lines: lines))  // back after its delete
        }
        try FileManager.default.removeItem(atPath: dir.path + "/index.snapshot")
        let rebuilt = Self.backend(dir)
        #expect(FileBackendTests.sorted(try rebuilt.open()) == FileBackendTests.sorted(Array(index.values)))
        #expect(rebuilt.quarantined.isEmpty)
    }

    @Test("without a catalog (a store last checkpointed by an earlier version) the .meta.json files rebuild the index; the first checkpoint then writes every session to the catalog, which wins from then on")
    func legacyMetadataFiles() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<1)
        let a = metadata("a", tags: ["legacy-a"], bytes: lines.count), b = metadata("b", tags: ["legacy-b"], bytes: lines.count)
        // The layout an earlier version leaves: session files and metadata files, no catalog.
        do {
            let backend = Self.backend(dir)
            _ = try backend.open()
        }
        let sessions = dir.path + "/sessions/"
        for m in [a, b] {
            _ = FileManager.default.createFile(atPath: sessions + m.id + ".jsonl", contents: Data(lines))
            _ = FileManager.default.createFile(atPath: sessions + m.id + ".meta.json", contents: Data(MetadataFile.encode(m)))
        }
        _ = FileManager.default.createFile(atPath: sessions + "gone.meta.json", contents: Data(MetadataFile.encode(metadata("gone"))))
        try FileManager.default.removeItem(atPath: dir.path + "/journal")  // (no snapshot: nothing was ever checkpointed)
        let c = metadata("c", tags: ["new"], bytes: lines.count)
        do {
            let rebuilt = Self.backend(dir)
            #expect(FileBackendTests.sorted(try rebuilt.open()) == [a, b])
            #expect(rebuilt.quarantined.count == 1 && rebuilt.quarantined[0].contains("gone.meta.json"), "metadata without its session file")
            _ = try FileBackendTests.write(rebuilt, [.save(c, lines: lines)], index: [a, b, c])  // checkpoints (threshold 1)
        }
        let catalog = try MetadataCatalogTests.catalog(dir).read()
        #expect(catalog.index == ["a": a, "b": b, "c": c], "the first checkpoint wrote the whole index")
        // From now on the catalog wins: a stale .meta.json is not read.
        _ = FileManager.default.createFile(atPath: sessions + "a.meta.json", contents: Data(MetadataFile.encode(metadata("a", tags: ["stale"]))))
        try FileManager.default.removeItem(atPath: dir.path + "/index.snapshot")
        #expect(FileBackendTests.sorted(try Self.backend(dir).open()) == [a, b, c])
    }

    @Test("two processes checkpointing in turn each add what changed since the other's checkpoint: a rebuild has every session, each line once")
    func twoProcesses() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<1)
        let (one, two) = try FileBackendTests.twoBackends(dir.path)
        let a = metadata("a", tags: ["one"], bytes: lines.count), b = metadata("b", tags: ["two"], bytes: lines.count)
        let c = metadata("c", tags: ["one"], bytes: lines.count)
        _ = try FileBackendTests.write(one, [.save(a, lines: lines)], index: [a])
        _ = try FileBackendTests.write(two, [.save(b, lines: lines)], index: [a, b])  // follows a's record first
        try two.close(index: [a, b])  // checkpoints a and b
        _ = try FileBackendTests.write(one, [.save(c, lines: lines)], index: [a, b, c])  // follows the new generation
        try one.close(index: [a, b, c])  // checkpoints c only
        let text = try String(contentsOfFile: dir.path + "/metadata.jsonl", encoding: .utf8)
        #expect(text.split(separator: "\n").count == 3)
        try FileManager.default.removeItem(atPath: dir.path + "/index.snapshot")
        #expect(FileBackendTests.sorted(try Self.backend(dir).open()) == [a, b, c])
    }

    @Test("sessions derived or dropped by a rebuild without a log reach the catalog at the next checkpoint")
    func orphansReachTheCatalog() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<2)
        let a = metadata("a", tags: ["kept"], messages: 2, bytes: lines.count), b = metadata("b", messages: 2, bytes: lines.count)
        do {
            let backend = Self.backend(dir)
            _ = try backend.open()
            _ = try FileBackendTests.write(backend, [.save(a, lines: lines), .save(b, lines: lines)], index: [a, b])
        }
        // b's file vanishes and an unknown session file appears; the snapshot and the log are lost.
        try FileManager.default.removeItem(atPath: dir.path + "/sessions/b.jsonl")
        _ = FileManager.default.createFile(atPath: dir.path + "/sessions/x.jsonl", contents: Data(lines))
        try FileManager.default.removeItem(atPath: dir.path + "/index.snapshot")
        try FileManager.default.removeItem(atPath: dir.path + "/journal")
        let c = metadata("c", bytes: lines.count)
        do {
            let rebuilt = Self.backend(dir)
            let index = try rebuilt.open()
            #expect(FileBackendTests.sorted(index).map(\.id) == ["a", "x"])
            _ = try FileBackendTests.write(rebuilt, [.save(c, lines: lines)], index: index + [c])
        }
        let catalog = try MetadataCatalogTests.catalog(dir).read()
        #expect(catalog.index["x"]?.tags == ["derived"])
        #expect(catalog.index["b"] == nil && catalog.deleted.contains("b"))
    }

    @Test("a damaged line after a session's older line: the session is re-derived from its file (keeping tags), so an append does not cut it back")
    func damagedNewerLine() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let first = jsonLines(0..<2), more = jsonLines(2..<5)
        let b1 = metadata("b", tags: ["t"], messages: 2, bytes: first.count)
        var b2 = b1
        b2.messageCount = 5
        b2.byteSize = first.count + more.count
        b2.updatedAt = Date(timeIntervalSince1970: 5_000)
        do {
            let backend = Self.backend(dir)
            _ = try backend.open()
            _ = try FileBackendTests.write(backend, [.save(b1, lines: first)], index: [b1])
            _ = try FileBackendTests.write(backend, [.append(b2, lines: more, offset: first.count)], index: [b2])
        }
        // The catalog holds b1's line, then b2's: damage b2's.
        let path = dir.path + "/metadata.jsonl"
        var text = try String(contentsOfFile: path, encoding: .utf8)
        let lastLine = try #require(text.split(separator: "\n").last)
        text = text.replacingOccurrences(of: String(lastLine), with: String(lastLine.dropLast(3)))
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        try FileManager.default.removeItem(atPath: dir.path + "/index.snapshot")
        let rebuilt = Self.backend(dir)
        let index = try rebuilt.open()
        let b = try #require(index.first)
        #expect(b.byteSize == first.count + more.count && b.messageCount == 5, "re-derived from the file, not b1's stale size")
        #expect(b.tags == ["t"] && b.createdAt == b1.createdAt && b.summary == b1.summary, "kept from the older line")
        let appended = Array("{\"n\":99}\n".utf8)
        var b3 = b
        b3.messageCount += 1
        b3.byteSize += appended.count
        _ = try FileBackendTests.write(rebuilt, [.append(b3, lines: appended, offset: b.byteSize)], index: [b3])
        #expect(try rebuilt.readMessages(b3) == first + more + appended)
    }

    @Test("a damaged catalog line is kept in quarantine and its session gets metadata derived from its messages")
    func damagedLine() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<3)
        let a = metadata("a", tags: ["kept"], messages: 3, bytes: lines.count), b = metadata("b", tags: ["lost"], messages: 3, bytes: lines.count)
        do {
            let backend = Self.backend(dir)
            _ = try backend.open()
            _ = try FileBackendTests.write(backend, [.save(a, lines: lines), .save(b, lines: lines)], index: [a, b])
        }
        let path = dir.path + "/metadata.jsonl"
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"lost\"", with: "\"lost")  // b's line no longer parses
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        try FileManager.default.removeItem(atPath: dir.path + "/index.snapshot")
        let rebuilt = Self.backend(dir)
        let index = try rebuilt.open()
        #expect(FileBackendTests.sorted(index).map(\.tags) == [["kept"], ["derived"]])
        #expect(rebuilt.quarantined.count == 1 && rebuilt.quarantined[0].contains("lines 2 cannot be decoded"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/quarantine").count == 1)
    }

    @Test("a checkpoint that fails writing the catalog loses nothing: the log still holds every change", arguments: [EIO, ENOSPC])
    func failedCatalogWrite(_ code: Int32) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<1)
        let a = metadata("a", bytes: lines.count), b = metadata("b", bytes: lines.count)
        let catalogBefore: Data
        do {
            let backend = Self.backend(dir)
            let faults = FaultInjector()
            backend.faults = faults
            _ = try backend.open()
            _ = try FileBackendTests.write(backend, [.save(a, lines: lines)], index: [a])
            catalogBefore = try #require(FileManager.default.contents(atPath: dir.path + "/metadata.jsonl"))
            faults.fail(.write, onPathEndingIn: "/metadata.jsonl", errno: code)
            _ = try backend.beginWrite()
            _ = try backend.write([.save(b, lines: lines)])
            #expect {
                try backend.endWrite { [a, b] }
            } throws: { error in
                guard case StoreError.storageFailure(let path, _, let errno) = error else { return false }
                return path.hasSuffix("/metadata.jsonl") && errno == code
            }
            #expect(faults.injected.count == 1)
        }
        #expect(FileManager.default.contents(atPath: dir.path + "/metadata.jsonl") == catalogBefore, "nothing half-written")
        #expect(FileBackendTests.sorted(try Self.backend(dir).open()) == [a, b])
        try FileManager.default.removeItem(atPath: dir.path + "/index.snapshot")
        #expect(FileBackendTests.sorted(try Self.backend(dir).open()) == [a, b], "rebuilt from the catalog and the log")
    }
}
