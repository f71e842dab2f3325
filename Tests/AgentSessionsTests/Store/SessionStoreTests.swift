import Foundation
import Supervision
import Testing
@testable import AgentSessions

@Suite("SessionStore: operation semantics on both backends")
struct SessionStoreTests {
    @Test("save derives metadata with the Session helper; load returns the messages as saved", arguments: BackendKind.allCases)
    func saveAndLoad(_ kind: BackendKind) async throws {
        try await withStore(kind) { store, _ in
            let messages = conversation("s1", cost: 0.42, turns: 3, prompt: "Résumé the 日本 build")
            let saved = try await store.saveSession("s1", messages: messages, tags: ["b", "a", "b"])
            #expect(saved.messageCount == messages.count)
            #expect(saved.totalCostUSD == 0.42)
            #expect(saved.turnCount == 3)
            #expect(saved.model == "claude-test-1")
            #expect(saved.summary == "Résumé the 日本 build")
            #expect(saved.tags == ["a", "b"])
            #expect(saved.byteSize == messages.reduce(0) { $0 + $1.serialized().count + 1 })
            let loaded = try await store.loadSession("s1")
            #expect(loaded.messages == messages)
            #expect(loaded.metadata == saved)
            #expect(try await store.session("s1") == saved)
        }
    }

    @Test("a second save replaces the messages but keeps createdAt", arguments: BackendKind.allCases)
    func resaveKeepsCreatedAt(_ kind: BackendKind) async throws {
        let now = TestNow()
        try await withStore(kind, now: now) { store, _ in
            let first = try await store.saveSession("s", messages: conversation("s"))
            now.advance(3600)
            let second = try await store.saveSession("s", messages: conversation("s", cost: 1, turns: 1), summary: "mine")
            #expect(second.createdAt == first.createdAt)
            #expect(second.updatedAt == first.updatedAt.addingTimeInterval(3600))
            #expect(second.summary == "mine")
            #expect(try await store.loadSession("s").messages == conversation("s", cost: 1, turns: 1))
        }
    }

    @Test("append adds messages, updates updatedAt and counts, and keeps the cost unless a result comes", arguments: BackendKind.allCases)
    func append(_ kind: BackendKind) async throws {
        try await withStore(kind) { store, _ in
            let base = conversation("s", cost: 0.5)
            try await store.saveSession("s", messages: base)
            _ = try await store.loadSession("s")  // cached: the append must extend the cached copy
            let at = Date(timeIntervalSince1970: 1_800_000_000)
            let m = try await store.appendMessages("s", [userMessage("more")], at: at)
            #expect(m.messageCount == base.count + 1)
            #expect(m.updatedAt == at)
            #expect(m.totalCostUSD == 0.5)
            #expect(try await store.loadSession("s").messages == base + [userMessage("more")])
            let result = try Message(parsing: #"{"type":"result","subtype":"success","total_cost_usd":0.9}"#)
            #expect(try await store.appendMessages("s", [result]).totalCostUSD == 0.9)
            await #expect(throws: StoreError.notFound(id: "nope")) { try await store.appendMessages("nope", [userMessage("x")]) }
        }
    }

    @Test("delete removes a session; a second delete is not_found", arguments: BackendKind.allCases)
    func delete(_ kind: BackendKind) async throws {
        try await withStore(kind) { store, _ in
            try await store.saveSession("s", messages: conversation("s"), tags: ["t"])
            try await store.deleteSession("s")
            await #expect(throws: StoreError.notFound(id: "s")) { try await store.loadSession("s") }
            await #expect(throws: StoreError.notFound(id: "s")) { try await store.deleteSession("s") }
            #expect(try await store.search(tags: ["t"]).isEmpty)
        }
    }

    @Test("tag and untag; updatedAt is not changed by re-tagging", arguments: BackendKind.allCases)
    func tags(_ kind: BackendKind) async throws {
        try await withStore(kind) { store, _ in
            let saved = try await store.saveSession("s", messages: conversation("s"), tags: ["a"])
            let tagged = try await store.tagSession("s", add: ["b", "c"], remove: ["a"])
            #expect(tagged.tags == ["b", "c"])
            #expect(tagged.updatedAt == saved.updatedAt)
            #expect(try await store.search(tags: ["a"]).isEmpty)
            #expect(try await store.search(tags: ["b", "c"], matchAll: true).map(\.id) == ["s"])
            await #expect(throws: StoreError.self) { try await store.tagSession("s", add: [""]) }
        }
    }

    @Test("search: each field, sorting and paging through the facade", arguments: BackendKind.allCases)
    func search(_ kind: BackendKind) async throws {
        try await withStore(kind) { store, _ in
            for i in 0..<30 {
                try await store.saveSession(
                    "s\(i)", messages: conversation("s\(i)", cost: Double(i) / 10), tags: i % 2 == 0 ? ["even"] : ["odd"],
                    createdAt: Date(timeIntervalSince1970: Double(1_000 + i)), updatedAt: Date(timeIntervalSince1970: Double(5_000 - i)))
            }
            #expect(try await store.search(tags: ["even"]).count == 15)
            #expect(try await store.search(tags: ["even", "odd"]).count == 30)
            #expect(try await store.search(tags: ["even", "odd"], matchAll: true).isEmpty)
            let range = SessionQuery(createdAfter: Date(timeIntervalSince1970: 1_010), createdBefore: Date(timeIntervalSince1970: 1_020))
            #expect(try await store.search(range).sessions.map(\.id).sorted() == (10..<20).map { "s\($0)" }.sorted())
            #expect(try await store.search(SessionQuery(minCost: 1.0, maxCost: 1.5)).sessions.count == 6)
            // Newest updatedAt first: s0 was updated last.
            #expect(try await store.listSessions(limit: 3).sessions.map(\.id) == ["s0", "s1", "s2"])
            #expect(try await store.search(SessionQuery(sort: .costDescending, limit: 2)).sessions.map(\.id) == ["s29", "s28"])
            var ids: [String] = []
            var cursor: SessionCursor?
            repeat {
                let page = try await store.listSessions(limit: 7, cursor: cursor)
                ids += page.sessions.map(\.id)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(ids == (0..<30).map { "s\($0)" })
        }
    }

    @Test("cleanup deletes exactly the sessions updated before the cutoff; dry run deletes nothing", arguments: BackendKind.allCases)
    func cleanup(_ kind: BackendKind) async throws {
        let now = TestNow(Date(timeIntervalSince1970: 100 * 86_400))
        try await withStore(kind, now: now) { store, _ in
            let day = 86_400.0
            for (id, age) in [("old", 31.0), ("edge", 30.0), ("young", 29.0)] {
                try await store.saveSession(id, messages: conversation(id), updatedAt: now.date.addingTimeInterval(-age * day))
            }
            let dry = try await store.cleanupOldSessions(maxAge: .seconds(30 * 86_400), dryRun: true)
            #expect(dry.sessions.map(\.id) == ["old"])
            #expect(try await store.listSessions().sessions.count == 3)
            let real = try await store.cleanupOldSessions(maxAge: .seconds(30 * 86_400))
            #expect(real.sessions.map(\.id) == ["old"])  // "edge" is exactly at the cutoff: kept
            #expect(Set(try await store.listSessions().sessions.map(\.id)) == ["edge", "young"])
        }
    }

    @Test("export then import into an empty store reproduces every session", arguments: BackendKind.allCases)
    func exportImport(_ kind: BackendKind) async throws {
        let archive = TemporaryDirectory("archive")
        defer { archive.remove() }
        let path = archive.path + "/all.jsonl"
        var originals: [StoredSession] = []
        try await withStore(kind) { store, _ in
            for i in 0..<5 { try await store.saveSession("s\(i)", messages: conversation("s\(i)", cost: Double(i)), tags: ["t\(i)"]) }
            #expect(try await store.exportSessions(to: path) == 5)
            for i in 0..<5 { originals.append(try await store.loadSession("s\(i)")) }
        }
        try await withStore(kind) { store, _ in
            let report = try await store.importSessions(from: path)
            #expect(report.imported.sorted() == (0..<5).map { "s\($0)" })
            for original in originals {
                let loaded = try await store.loadSession(original.metadata.id)
                #expect(loaded.messages == original.messages)
                #expect(loaded.metadata.tags == original.metadata.tags)
                #expect(loaded.metadata.totalCostUSD == original.metadata.totalCostUSD)
                #expect(abs(loaded.metadata.createdAt.timeIntervalSince(original.metadata.createdAt)) < 0.001)
            }
            // Importing again changes nothing; a differing session is a conflict and is kept as stored.
            #expect(try await store.importSessions(from: path).unchanged.count == 5)
            try await store.saveSession("s0", messages: conversation("s0", cost: 9))
            let again = try await store.importSessions(from: path)
            #expect(again.conflicts == ["s0"])
            #expect(try await store.session("s0").totalCostUSD == 9)
            #expect(try await store.importSessions(from: path, overwrite: true).imported == ["s0"])
            #expect(try await store.session("s0").totalCostUSD == 0)
            // The messages too, not a cached copy of the overwritten ones (found by review).
            #expect(try await store.loadSession("s0").messages == originals[0].messages)
        }
    }

    @Test("a bad archive is rejected with its line, and nothing is imported", arguments: [
        ("{\"format\":\"agent-sessions-archive\",\"version\":2,\"sessions\":0}\n", 1),
        ("{\"format\":\"other\"}\n", 1),
        ("", 1),
        ("{\"format\":\"agent-sessions-archive\",\"version\":1,\"sessions\":2}\n{\"id\":\"a\",\"created_at\":\"2025-01-01T00:00:00Z\",\"updated_at\":\"2025-01-01T00:00:00Z\",\"messages\":[]}\n", 2),
        ("{\"format\":\"agent-sessions-archive\",\"version\":1,\"sessions\":2}\n{\"id\":\"a\",\"created_at\":\"2025-01-01T00:00:00Z\",\"updated_at\":\"2025-01-01T00:00:00Z\",\"messages\":[]}\n{\"id\":\"a\",\"created_at\":\"2025-01-01T00:00:00Z\",\"updated_at\":\"2025-01-01T00:00:00Z\",\"messages\":[]}\n", 3),
        ("{\"format\":\"agent-sessions-archive\",\"version\":1,\"sessions\":1}\n{\"id\":\"../x\",\"created_at\":\"2025-01-01T00:00:00Z\",\"updated_at\":\"2025-01-01T00:00:00Z\",\"messages\":[]}\n", 2),
        ("{\"format\":\"agent-sessions-archive\",\"version\":1,\"sessions\":1}\n{\"id\":\"a\",\"created_at\":\"2025-01-01T00:00:00Z\",\"updated_at\":\"2025-01-01T00:00:00Z\",\"messages\":[1]}\n", 2),
        ("{\"format\":\"agent-sessions-archive\",\"version\":1,\"sessions\":1}\n{\"id\":\"a\",\"created_at\":\"2025-01-01T00:00:00Z\",\"updat", 2),
    ])
    func badArchive(_ text: String, _ line: Int) async throws {
        let archive = TemporaryDirectory("archive")
        defer { archive.remove() }
        let path = archive.path + "/bad.jsonl"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try await withStore(.file) { store, _ in
            try await store.saveSession("keep", messages: conversation("keep"))
            do {
                _ = try await store.importSessions(from: path)
                Issue.record("import of a bad archive succeeded")
            } catch let error as StoreError {
                guard case .invalidArchive(_, let reported, _) = error else { Issue.record("wrong error \(error)"); return }
                #expect(reported == line)
            }
            #expect(try await store.listSessions().sessions.map(\.id) == ["keep"])
        }
    }

    @Test("invalid ids are rejected with invalid_id and nothing is written", arguments: [
        "", ".", "..", "../x", "a/b", "a\\b", "a\u{0}b", "tab\there", String(repeating: "x", count: 10_000),
        "e\u{301}", "CON", "nul.txt", ".hidden",
    ])
    func invalidIDs(_ id: String) async throws {
        try await withStore(.file) { store, dir in
            await #expect(throws: StoreError.self) { try await store.saveSession(id, messages: conversation("x")) }
            do { try await store.saveSession(id, messages: []) } catch let error as StoreError { #expect(error.code == "invalid_id") }
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/sessions").isEmpty)
            #expect(try await store.listSessions().sessions.isEmpty)
        }
    }

    @Test("tags: the ASCII fast path and the Unicode path agree on what is rejected", arguments: [
        ("", false), ("bugfix", true), (" lead", false), ("trail ", false), ("in side", true), ("tab\tin", false),
        ("bell\u{7}", false), ("del\u{7F}", false), (String(repeating: "t", count: 100), true),
        (String(repeating: "t", count: 101), false), ("ü-tag", true), ("\u{2003}em", false), ("é", true),
        (String(repeating: "é", count: 100), true), (String(repeating: "é", count: 101), false), ("nbsp\u{A0}", false),
    ])
    func tagRules(_ tag: String, _ valid: Bool) {
        #expect(((try? SessionID.validateTag(tag)) != nil) == valid, "\(tag.debugDescription)")
    }

    @Test("invalid JSON lines are rejected with the line's index and nothing is written", arguments: BackendKind.allCases)
    func invalidMessages(_ kind: BackendKind) async throws {
        try await withStore(kind) { store, _ in
            try await store.saveSession("s", messages: conversation("s"))
            let bad = Array("{\"type\":\"user\"}\n{\"type\":\n{\"ok\":1}\n".utf8)
            do {
                try await store.saveSession("s", jsonLines: bad)
                Issue.record("saved invalid JSON")
            } catch let error as StoreError {
                guard case .invalidMessage(let id, let index, _) = error else { Issue.record("\(error)"); return }
                #expect(id == "s")
                #expect(index == 1)
            }
            #expect(try await store.loadSession("s").messages == conversation("s"))
            let nonObject = Array("[1,2]\n".utf8)
            await #expect(throws: StoreError.self) { try await store.saveSession("t", jsonLines: nonObject) }
            await #expect(throws: StoreError.notFound(id: "t")) { try await store.session("t") }
        }
    }

    @Test("JSON-lines text in the stored form is kept byte for byte; other text is re-encoded compactly", arguments: [
        // (input, stored form kept)
        ("{\"type\": \"user\", \"n\": 1.50}\n{\"type\":\"result\"}\r\n", true),
        ("{\"type\": \"user\"}\n\n{\"type\":\"result\"}\n", false),       // a blank line
        ("{\"type\": \"user\"}\n {\"type\":\"result\"}\n", false),       // leading white space
        ("{\"type\": \"user\"}\n{\"type\":\"result\"}", false),           // no final newline
        ("[{\"type\": \"user\"}, {\"type\":\"result\"}]\n", false),       // an array line
        ("\u{FEFF}{\"type\": \"user\"}\n{\"type\":\"result\"}\n", false), // a byte-order mark
        ("{\"type\":\"user\",\"message\":\n{\"role\":\"user\"}}\n", false),  // one object over two lines
    ])
    func storedForm(_ input: String, kept: Bool) async throws {
        try await withStore(.file, configure: { $0.cacheBytes = 0 }) { store, dir in  // every load reads the file
            let bytes = Array(input.utf8)
            let saved = try await store.saveSession("s", jsonLines: bytes)
            let parsed = try MessageReader.read(bytes, mode: .strict).messages
            try await store.settleFiles()
            let file = try #require(FileManager.default.contents(atPath: dir + "/sessions/s.jsonl"))
            let expected = kept ? bytes : MessageLines.encode(parsed)
            #expect(Array(file) == expected)
            #expect(saved.byteSize == expected.count)
            #expect(saved.messageCount == parsed.count)
            #expect(try await store.loadSession("s").messages == parsed)
            if !kept { #expect(String(decoding: file, as: UTF8.self).split(separator: "\n").allSatisfy { $0.first == "{" }) }
            // The stored file stays readable line by line after an append.
            try await store.appendMessages("s", [userMessage("more")])
            #expect(try await store.loadSession("s").messages == parsed + [userMessage("more")])
        }
    }

    @Test("loaded messages hold their stored text: serialized() gives the stored line, json the saved value",
          arguments: BackendKind.allCases, [0, 64 << 20])
    func loadedText(_ kind: BackendKind, cacheBytes: Int) async throws {
        try await withStore(kind, configure: { $0.cacheBytes = cacheBytes }) { store, _ in
            let text = "{\"type\": \"user\", \"n\": 1.50, \"s\": \"caf\u{E9} \\u00e9\"}\r\n{\"type\":\"result\",\"total_cost_usd\":0.5}\n"
            let saved = try await store.saveSession("s", jsonLines: Array(text.utf8))
            let parsed = try MessageReader.read(Array(text.utf8), mode: .strict).messages
            let loaded = try await store.loadSession("s").messages
            #expect(loaded.map { String(decoding: $0.serialized(), as: UTF8.self) }
                    == ["{\"type\": \"user\", \"n\": 1.50, \"s\": \"caf\u{E9} \\u00e9\"}", "{\"type\":\"result\",\"total_cost_usd\":0.5}"])
            #expect(loaded.map(\.json) == parsed.map(\.json))
            #expect(loaded == parsed && Set(loaded) == Set(parsed))
            #expect(loaded[1].totalCostUSD == 0.5 && loaded[0].type == "user")
            // Saving loaded messages writes their text as it is.
            let again = try await store.saveSession("t", messages: loaded)
            #expect(again.byteSize == saved.byteSize - 1)  // only the "\r" is gone
        }
    }

    /// Replaces `original` with `damage` (of the same length) in the session file at `path`,
    /// once the store has written it; returns the damaged text.
    @discardableResult
    static func damage(_ store: SessionStore, _ path: String, _ original: String, with damage: String) async throws -> String {
        try await store.settleFiles()
        let file = try String(contentsOfFile: path, encoding: .utf8)
        let damaged = file.replacingOccurrences(of: original, with: damage)
        #expect(damaged.utf8.count == file.utf8.count && damaged != file)
        try Data(damaged.utf8).write(to: URL(fileURLWithPath: path))
        return damaged
    }

    @Test("a session file damaged inside a line (same length) is reported as corrupted, naming the file and line",
          arguments: [("\"type\":\"user\"", "\"type\":\"user\u{1}"), ("{\"type\":\"user\"", "\n\"type\":\"user\"")])
    func damagedLine(_ original: String, _ damage: String) async throws {
        try await withStore(.file, configure: { $0.cacheBytes = 0 }) { store, dir in
            try await store.saveSession("s", messages: conversation("s"))
            try await Self.damage(store, dir + "/sessions/s.jsonl", original, with: damage)
            do throws(StoreError) {
                _ = try await store.loadSession("s")
                Issue.record("a damaged file loaded")
            } catch {
                guard case .corrupted(let path, let reason, _) = error else { Issue.record("\(error)"); return }
                #expect(path.hasSuffix("/sessions/s.jsonl"))
                #expect(reason.hasPrefix("line 2: "), "\(reason)")
            }
            #expect(try await store.session("s").messageCount == conversation("s").count)  // the index is untouched
        }
    }

    @Test("appending a result to a session whose stored file is damaged is refused with corrupted, and nothing changes")
    func resultAppendToDamagedFile() async throws {
        try await withStore(.file, configure: { $0.cacheBytes = 0 }) { store, dir in
            let saved = try await store.saveSession("s", messages: conversation("s", cost: 0.5))
            let path = dir + "/sessions/s.jsonl"
            let damaged = try await Self.damage(store, path, "\"type\":\"user\"", with: "\"type\":\"user\u{1}")
            // The new cost sums the stored results too: without them it would be this result's alone.
            let result = try Message(parsing: #"{"type":"result","subtype":"success","total_cost_usd":0.2}"#)
            do throws(StoreError) {
                _ = try await store.appendMessages("s", [result])
                Issue.record("a result was appended to a session whose messages cannot be read")
            } catch {
                guard case .corrupted(let failed, _, _) = error else { Issue.record("\(error)"); return }
                #expect(failed.hasSuffix("/sessions/s.jsonl"))
            }
            #expect(try await store.session("s") == saved)
            #expect(try String(contentsOfFile: path, encoding: .utf8) == damaged)
        }
    }

    @Test("a file not in the stored form that the message reader accepts (as adopted files may be) still loads, decoded",
          arguments: ["{\"a\":1}\n\n{\"b\":2}\n", "\u{FEFF}{\"a\":1}\n{\"b\":2}\n", "{\"a\":\n1}\n"])
    func lenientFiles(_ text: String) throws {
        let bytes = Array(text.utf8)
        let expected = try MessageReader.read(bytes, mode: .strict).messages
        let decoded = try MessageLines.decode(bytes, id: "s", path: "/store")
        #expect(decoded == expected)
        #expect(decoded.allSatisfy { $0.storedText == nil })
        #expect(throws: StoreError.corrupted(path: "/store/sessions/s.jsonl", reason: "line 2: blank line", quarantinedAt: nil)) {
            try MessageLines.decode(Array("{\"a\":1}\n\n{\"b\":".utf8), id: "s", path: "/store")
        }
    }

    @Test("a date that is not a finite instant is rejected with invalid_date and nothing is written", arguments: BackendKind.allCases)
    func invalidDates(_ kind: BackendKind) async throws {
        try await withStore(kind) { store, _ in
            try await store.saveSession("s", messages: conversation("s"))
            let before = try await store.session("s")
            for date in [Date(timeIntervalSinceReferenceDate: .nan), Date(timeIntervalSinceReferenceDate: .infinity)] {
                await #expect(throws: StoreError.self) { try await store.saveSession("t", messages: conversation("t"), createdAt: date) }
                await #expect(throws: StoreError.self) { try await store.saveSession("s", messages: conversation("s"), updatedAt: date) }
                let error = await #expect(throws: StoreError.self) { try await store.appendMessages("s", [userMessage("x")], at: date) }
                #expect(error?.code == "invalid_date")
            }
            await #expect(throws: StoreError.notFound(id: "t")) { try await store.session("t") }
            #expect(try await store.session("s") == before)
            #expect(try await store.listSessions().sessions.map(\.id) == ["s"])
        }
    }

    @Test("stats add up", arguments: BackendKind.allCases)
    func stats(_ kind: BackendKind) async throws {
        try await withStore(kind) { store, _ in
            try await store.saveSession("a", messages: conversation("a", cost: 1), tags: ["x"])
            try await store.saveSession("b", messages: conversation("b", cost: 2), tags: ["x", "y"])
            let stats = try await store.stats()
            #expect(stats.sessions == 2)
            #expect(stats.totalCostUSD == 3)
            #expect(stats.tags == ["x": 2, "y": 1])
            #expect(stats.messages == 2 * conversation("a").count)
        }
    }

    @Test("a rebuild adopts a session file without metadata: its facts are derived from its lines, in the stored form or not")
    func adoptedFiles() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try await withStore(.file, directory: dir.path) { store, _ in
            try await store.saveSession("kept", messages: conversation("kept"))
        }
        let stored = conversation("x", cost: 0.4, turns: 3)
        let text = stored.map { String(decoding: $0.serialized(), as: UTF8.self) }.joined(separator: "\n") + "\n"
        let files = ["x": text, "y": "\n" + text]  // y has a blank first line: not the stored form
        for (id, text) in files {
            #expect(FileManager.default.createFile(atPath: dir.path + "/sessions/\(id).jsonl", contents: Data(text.utf8)))
        }
        try FileManager.default.removeItem(atPath: dir.path + "/index.snapshot")  // forces a rebuild
        try await withStore(.file, directory: dir.path) { store, _ in
            let facts = StoredFacts(stored)
            for (id, text) in files {
                let m = try await store.session(id)
                #expect(m.messageCount == stored.count, "\(id)")
                #expect(StoredFacts(cost: m.totalCostUSD, turnCount: m.turnCount, model: m.model, summary: m.summary) == facts, "\(id)")
                #expect(m.byteSize == text.utf8.count, "\(id)")
                #expect(m.tags.isEmpty)
            }
            #expect(try await store.session("kept").messageCount == conversation("kept").count)
        }
    }

    @Test("a pass of first loads keeps only the cache's probation share and does not evict a saved session; a second load is cached")
    func scanResistantCache() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let line = "{\"type\":\"user\",\"pad\":\"" + String(repeating: "x", count: 1_000) + "\"}\n"
        try await withStore(.file, directory: dir.path) { store, _ in
            for n in 0..<60 { try await store.saveSession("s\(n)", jsonLines: Array(line.utf8)) }
        }
        // A new store starts with an empty cache; probation is then 2 KiB, about one of these sessions.
        try await withStore(.file, directory: dir.path, configure: { $0.cacheBytes = 32 << 10 }) { reopened, _ in
            let saved = try await reopened.saveSession("w", jsonLines: Array(line.utf8))
            for n in 0..<60 { #expect(try await reopened.loadSession("s\(n)").messages.count == 1) }
            let afterScan = try await reopened.stats()
            #expect(afterScan.cachedSessions == 2)  // "w" and the last first read, "s59"
            #expect(afterScan.cachedBytes <= saved.byteSize + (2 << 10) + 2 * MessageCache.perMessageBytes)
            _ = try await reopened.loadSession("s3")  // pushes "s59" out of probation
            _ = try await reopened.loadSession("s3")  // read again while there: promoted
            _ = try await reopened.loadSession("s10")  // a first read takes probation; "s3" stays
            let afterSecondRead = try await reopened.stats()
            #expect(afterSecondRead.cachedSessions == 3)
            #expect(afterSecondRead.cachedBytes == 3 * (saved.byteSize + MessageCache.perMessageBytes))
        }
    }
}

@Suite("Session cost and dates as the store records them")
struct SessionCostTests {
    @Test("the stored cost sums the last result of each agent run (a resume is a new run)")
    func runs() throws {
        let first = conversation("s", cost: 0.25)
        let second = conversation("s", cost: 0.10)
        #expect(SessionCost.total(first) == 0.25)
        #expect(abs(SessionCost.total(first + second) - 0.35) < 1e-12)
        // Within one run the cost is cumulative: only the last result counts.
        let twoResults = first + [try Message(parsing: #"{"type":"result","subtype":"success","total_cost_usd":0.5}"#)]
        #expect(SessionCost.total(twoResults) == 0.5)
        #expect(SessionCost.total([]) == 0)
    }

    @Test("appending a resumed run message by message adds its cost", arguments: BackendKind.allCases)
    func resumeByAppends(_ kind: BackendKind) async throws {
        try await withStore(kind) { store, _ in
            try await store.saveSession("s", messages: conversation("s", cost: 0.25))
            for message in conversation("s", cost: 0.10) { try await store.appendMessages("s", [message]) }
            #expect(abs(try await store.session("s").totalCostUSD - 0.35) < 1e-12)
        }
    }

    @Test("concurrent appends of results: the stored cost is always the cost of the stored messages", arguments: BackendKind.allCases)
    func concurrentResults(_ kind: BackendKind) async throws {
        try await withStore(kind) { store, _ in
            try await store.saveSession("s", messages: conversation("s", cost: 0.5))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 1...40 {
                    group.addTask {
                        // Each append is a resumed run (init, then its result): the cost adds up every run.
                        let run = try [#"{"type":"system","subtype":"init","session_id":"s"}"#,
                                       #"{"type":"result","subtype":"success","total_cost_usd":\#(n)}"#].map { try Message(parsing: $0) }
                        try await store.appendMessages("s", run)
                    }
                }
                try await group.waitForAll()
            }
            let stored = try await store.loadSession("s")
            #expect(stored.messages.count == conversation("s").count + 80)
            #expect(stored.metadata.totalCostUSD == SessionCost.total(stored.messages))
            #expect(stored.metadata.totalCostUSD == 0.5 + Double((1...40).reduce(0, +)))
        }
    }

    @Test("an append of a result planned before another write to its session is planned again, so no run's cost is lost")
    func stalePlan() async throws {
        try await withStore(.file) { store, _ in
            func run(_ cost: Int) throws -> [Message] {
                try [#"{"type":"system","subtype":"init","session_id":"s"}"#,
                     #"{"type":"result","subtype":"success","total_cost_usd":\#(cost)}"#].map { try Message(parsing: $0) }
            }
            try await store.saveSession("s", messages: conversation("s", cost: 0.5))
            let actor = try #require(store.store.instance)
            let append = try PreparedAppend("s", messages: try run(1), at: nil)
            let plan = try append.plan(actor)  // reads the stored messages now
            try await store.appendMessages("s", try run(2))  // then the session changes
            let outcome = try actor.table.write(plan)
            #expect(outcome.result == nil && outcome.ticket == nil, "a stale plan writes nothing")
            #expect(try await store.session("s").messageCount == conversation("s").count + 2)
            let committed = try await actor.commit(append)  // planned again on the current state
            #expect(committed.totalCostUSD == 3.5)
            // Planned before its session existed, then the session is saved: planned again too.
            let early = try PreparedAppend("t", messages: try run(1), at: nil).plan(actor)
            try await store.saveSession("t", messages: conversation("t", cost: 0.5))
            let late = try actor.table.write(early)
            #expect(late.result == nil && late.ticket == nil, "a plan made without the stored messages writes nothing")
            #expect(try await store.session("t").totalCostUSD == 0.5)
        }
    }

    @Test("ISO-8601 text rounds to the millisecond", arguments: [
        ("2026-11-20T14:18:39.527Z", "2026-11-20T14:18:39.527Z"), ("2025-11-30T21:13:21Z", "2025-11-30T21:13:21Z"),
        ("2025-11-30T21:13:21.9996Z", "2025-11-30T21:13:22Z"), ("2025-01-01T00:00:00.001Z", "2025-01-01T00:00:00.001Z"),
    ])
    func isoRounding(_ input: String, _ output: String) throws {
        #expect(ISO8601.string(try #require(ISO8601.parse(input))) == output)
    }

    @Test("ISO-8601 text of years 1 to 9999 is formatted in the proleptic Gregorian calendar: Foundation's from 1583, and parsed back to the instant before that too",
          arguments: [false, true])
    func isoMatchesFoundation(alwaysMilliseconds: Bool) throws {
        /// What `ISO8601.string` returned when Foundation formatted every date.
        func foundation(_ date: Date) -> String {
            let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
            let seconds = (milliseconds / 1000).rounded(.down)
            let fraction = Int(milliseconds - seconds * 1000)
            let whole = Date(timeIntervalSince1970: seconds).formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
            guard fraction > 0 || alwaysMilliseconds else { return whole }
            return String(whole.dropLast()) + "." + String(String(fraction + 1000).dropFirst()) + "Z"
        }
        let gregorianSince1583: Double = -12_212_553_600  // Foundation's calendar is Julian before 1582-10-15
        // The last instant of the range, leap days (1900 has none, 2000 has one), the epoch and
        // just before it, and a fraction that rounds up into the next day.
        var seconds: [Double] = [
            gregorianSince1583, 253_402_300_799.999, -2_203_977_600, -2_203_891_200, 951_782_400, 951_868_800,
            0, -0.5, -86_400.25, 1_767_225_599.9996, 1_763_733_868.987_654_3,
        ]
        var rng = SeededGenerator(seed: 8601)
        for _ in 0..<2_000 { seconds.append(Double.random(in: gregorianSince1583...253_402_300_799, using: &rng).rounded(.down)) }
        for _ in 0..<2_000 { seconds.append(Double(Int.random(in: 0...4_102_444_800_000, using: &rng)) / 1000) }
        for second in seconds {
            let date = Date(timeIntervalSince1970: second)
            #expect(ISO8601.string(date, alwaysMilliseconds: alwaysMilliseconds) == foundation(date), "\(second)")
        }
        // Before 1583 (Foundation would shift these by up to ten days): the text parses back.
        for second in [-62_135_596_800] + (0..<500).map({ _ in Double.random(in: -62_135_596_800..<gregorianSince1583, using: &rng).rounded(.down) }) {
            let date = Date(timeIntervalSince1970: second)
            #expect(ISO8601.parse(ISO8601.string(date, alwaysMilliseconds: alwaysMilliseconds)) == date, "\(second)")
        }
        #expect(ISO8601.string(Date(timeIntervalSince1970: -62_135_596_800)) == "0001-01-01T00:00:00Z")
        let outside = Date(timeIntervalSince1970: 253_402_300_800)  // 10000-01-01: Foundation's
        #expect(ISO8601.string(outside, alwaysMilliseconds: alwaysMilliseconds) == foundation(outside))
    }
}
