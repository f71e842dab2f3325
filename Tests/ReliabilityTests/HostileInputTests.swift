import AgentSessions
import Foundation
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

// The hostile input catalogue (issue 7.4): every input gets a typed error or a documented
// acceptance; a rejected input writes nothing (the store directory is byte-identical, `lock`
// aside) and leaves what was stored before loading exactly as it did.

/// One entry of a directory tree, compared byte for byte.
struct TreeEntry: Equatable {
    var kind: String
    var mode: UInt32
    var bytes: [UInt8]
}

/// Every file, directory and symbolic link under `root` (links are not followed), except `lock`.
func treeDigest(_ root: String) -> [String: TreeEntry] {
    var result: [String: TreeEntry] = [:]
    func visit(_ relative: String) {
        let path = relative.isEmpty ? root : root + "/" + relative
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        let mode = UInt32(info.st_mode)
        switch mode & UInt32(S_IFMT) {
        case UInt32(S_IFDIR):
            result[relative] = TreeEntry(kind: "dir", mode: mode, bytes: [])
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() where !(relative.isEmpty && name == "lock") {
                visit(relative.isEmpty ? name : relative + "/" + name)
            }
        case UInt32(S_IFLNK):
            result[relative] = TreeEntry(kind: "link", mode: mode, bytes: Array(((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?").utf8))
        default:
            result[relative] = TreeEntry(kind: "file", mode: mode, bytes: FileManager.default.contents(atPath: path).map { Array($0) } ?? [])
        }
    }
    visit("")
    return result
}

/// The paths whose entries differ between two digests.
func treeChanges(_ before: [String: TreeEntry], _ after: [String: TreeEntry]) -> [String] {
    Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }.sorted()
}

func userLine(_ text: String) -> Message {
    Message(object: ["type": "user", "message": .object(["role": "user", "content": .string(text)])])
}

/// A file store (buffered, no cleanup child) holding three sessions that must never change.
final class HostileStore {
    let directory: String
    var configuration: SessionStore.Configuration
    var store: SessionStore
    /// What the three sessions loaded as right after they were saved.
    var kept: [StoredSession] = []

    static let keptIDs = ["keep-1", "keep-2", "keep-日本"]

    init(directory: String? = nil, checkpointBytes: Int = 64 << 20, callTimeout: Duration = .seconds(5)) async throws {
        let directory = directory ?? NSTemporaryDirectory() + "agent-sessions-hostile-\(UUID().uuidString)"
        self.directory = directory
        configuration = SessionStore.Configuration(directory: directory, durability: .buffered)
        configuration.cleanup = nil
        configuration.checkpointBytes = checkpointBytes
        configuration.callTimeout = callTimeout
        // A fixed clock whose dates survive the trip through Unix seconds: dates from Date() do
        // not, which ModelCheckFindingsTests.defaultClockDatesSurviveReopen reports on its own.
        configuration.now = { Date(timeIntervalSince1970: 1_750_000_000.5) }
        store = try await SessionStore.start(configuration)
        for (n, id) in Self.keptIDs.enumerated() {
            try await store.saveSession(id, messages: [userLine("kept \(n) — ✓"), userLine("second")], tags: ["kept", "t\(n)"])
            kept.append(try await store.loadSession(id))
        }
        try await store.settleFiles()
    }

    func reopen(dropSnapshot: Bool = false) async throws {
        await store.shutdown()
        if dropSnapshot { try? FileManager.default.removeItem(atPath: directory + "/index.snapshot") }
        store = try await SessionStore.start(configuration)
    }

    /// The kept sessions load exactly as they did (from the cache, and from disk after a reopen).
    func expectKeptIntact(_ label: String, reopen: Bool = true) async throws {
        for original in kept {
            let loaded = try? await store.loadSession(original.metadata.id)
            #expect(loaded == original, "\(label): stored session \(original.metadata.id) changed")
        }
        guard reopen else { return }
        try await self.reopen()
        for original in kept {
            let loaded = try? await store.loadSession(original.metadata.id)
            #expect(loaded == original, "\(label): stored session \(original.metadata.id) changed (after a reopen)")
        }
    }

    /// The store directory's tree, once every acknowledged save's file is written.
    func digest() async throws -> [String: TreeEntry] {
        try await store.settleFiles()
        return treeDigest(directory)
    }

    func close() async {
        await store.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Runs `body`, expecting a StoreError with `code`; returns the error.
@discardableResult
func expectStoreError(_ code: String, _ label: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async -> StoreError? {
    do {
        try await body()
        Issue.record("\(label): accepted; expected \(code)", sourceLocation: sourceLocation)
        return nil
    } catch let error as StoreError {
        #expect(error.code == code, "\(label): \(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("\(label): \(error); expected StoreError \(code)", sourceLocation: sourceLocation)
        return nil
    }
}

// MARK: - Session ids

struct HostileID: Sendable, CustomTestStringConvertible {
    var name: String
    var id: String
    /// Whether the store must reject it with `invalid_id` (otherwise it must accept it).
    var rejected: Bool
    var testDescription: String { name }

    static let all: [HostileID] = [
        .init(name: "empty", id: "", rejected: true),
        .init(name: "`.`", id: ".", rejected: true),
        .init(name: "`..`", id: "..", rejected: true),
        .init(name: "`../x`", id: "../x", rejected: true),
        .init(name: "`../../etc/passwd`", id: "../../etc/passwd", rejected: true),
        .init(name: "`a/b`", id: "a/b", rejected: true),
        .init(name: "`a\\b`", id: "a\\b", rejected: true),
        .init(name: "leading `.` (`.hidden`)", id: ".hidden", rejected: true),
        .init(name: "NUL (`a\\0b`)", id: "a\u{0}b", rejected: true),
        .init(name: "tab", id: "a\tb", rejected: true),
        .init(name: "newline", id: "a\nb", rejected: true),
        .init(name: "ESC (terminal escape)", id: "\u{1B}[31mred", rejected: true),
        .init(name: "DEL", id: "a\u{7F}", rejected: true),
        .init(name: "C1 control NEL (U+0085)", id: "a\u{85}b", rejected: true),
        .init(name: "RIGHT-TO-LEFT OVERRIDE (U+202E)", id: "a\u{202E}b", rejected: true),
        .init(name: "10,000 characters", id: String(repeating: "x", count: 10_000), rejected: true),
        .init(name: "201 bytes", id: String(repeating: "x", count: 201), rejected: true),
        .init(name: "201 bytes of 3-byte characters (67 × 日)", id: String(repeating: "日", count: 67), rejected: true),
        .init(name: "not NFC: e + COMBINING ACUTE (U+0065 U+0301)", id: "e\u{301}", rejected: true),
        .init(name: "not NFC: ANGSTROM SIGN (U+212B)", id: "\u{212B}", rejected: true),
        .init(name: "not NFC: decomposed Hangul", id: "\u{1100}\u{1161}", rejected: true),
        .init(name: "Windows device `CON`", id: "CON", rejected: true),
        .init(name: "Windows device `con` (lower case)", id: "con", rejected: true),
        .init(name: "Windows device `nul.txt`", id: "nul.txt", rejected: true),
        .init(name: "Windows device `COM1`", id: "COM1", rejected: true),
        .init(name: "Windows device `LPT9`", id: "LPT9", rejected: true),
        .init(name: "Windows device `AUX.tar.gz`", id: "AUX.tar.gz", rejected: true),
        .init(name: "trailing space", id: "a ", rejected: true),
        // Accepted (documented: NFC Unicode up to 200 bytes without separators or controls).
        .init(name: "200 bytes", id: String(repeating: "x", count: 200), rejected: false),
        .init(name: "198 bytes of 日", id: String(repeating: "日", count: 66), rejected: false),
        .init(name: "NFC é (U+00E9)", id: "\u{E9}", rejected: false),
        .init(name: "NFC Å (U+00C5)", id: "\u{C5}", rejected: false),
        .init(name: "emoji (4-byte UTF-8)", id: "😀-session", rejected: false),
        .init(name: "`CONSOLE` (not a device name)", id: "CONSOLE", rejected: false),
        .init(name: "`-rf` (looks like an option)", id: "-rf", rejected: false),
        .init(name: "inner dots `a..b`", id: "a..b", rejected: false),
        .init(name: "`x.meta` (file-name suffix games)", id: "x.meta", rejected: false),
        .init(name: "`x.jsonl`", id: "x.jsonl", rejected: false),
        .init(name: "inner space", id: "a b", rejected: false),
        .init(name: "ZERO WIDTH SPACE (U+200B)", id: "a\u{200B}", rejected: false),
        .init(name: "RIGHT-TO-LEFT ISOLATE (U+2067)", id: "a\u{2067}b", rejected: false),
        .init(name: "LINE SEPARATOR (U+2028)", id: "a\u{2028}b", rejected: false),
        .init(name: "trailing dot `a.` (Windows drops it)", id: "a.", rejected: false),
        .init(name: "Windows-invalid characters `a:b*?`", id: "a:b*?", rejected: false),
        .init(name: "upper case twin `Keep-1` of `keep-1`", id: "Keep-1", rejected: false),
    ]
}

// MARK: - Messages

enum HostileMessages: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case invalidJSON, invalidUTF8InString, invalidUTF8OutsideString, loneSurrogateEscape, rawNULByte, nonObjectArray,
         nonObjectString, nonObjectNull, truncatedLastLine, nestedTooDeep, trailingGarbage
    // Accepted.
    case nested512, escapedNUL, crlfAndBlankLines, missingFinalNewline, byteOrderMark, integerBeyond64Bits,
         duplicateKeys
    var testDescription: String { rawValue }

    /// The JSON-lines input, and whether the store must reject it (`invalid_message`).
    var input: (bytes: [UInt8], rejected: Bool) {
        let good = Array(#"{"type":"user","message":{"role":"user","content":"ok"}}"#.utf8) + [0x0A]
        func line(_ s: String) -> [UInt8] { Array(s.utf8) }
        switch self {
        case .invalidJSON: return (good + line("{\"type\":\n"), true)
        case .invalidUTF8InString: return (good + line("{\"type\":\"user\",\"t\":\"") + [0xFF, 0xFE, 0xC0, 0x80] + line("\"}\n"), true)
        case .invalidUTF8OutsideString: return (good + [0xFF] + line("{\"type\":\"user\"}\n"), true)
        case .loneSurrogateEscape: return (good + line("{\"type\":\"user\",\"t\":\"\\ud800\"}\n"), true)
        case .rawNULByte: return (good + line("{\"type\":\"user\"}") + [0] + line("\n"), true)
        case .nonObjectArray: return (good + line("[1,2]\n"), true)
        case .nonObjectString: return (good + line("\"just a string\"\n"), true)
        case .nonObjectNull: return (good + line("null\n"), true)
        case .truncatedLastLine: return (good + line("{\"type\":\"assistant\",\"message\":{\"id\":\"m"), true)
        case .nestedTooDeep: return (good + line("{\"type\":\"user\",\"x\":" + String(repeating: "[", count: 512) + String(repeating: "]", count: 512) + "}\n"), true)
        case .trailingGarbage: return (good + line("{\"type\":\"user\"} {\"type\":\"user\"}\n"), true)
        case .nested512: return (good + line("{\"type\":\"user\",\"x\":" + String(repeating: "[", count: 511) + String(repeating: "]", count: 511) + "}\n"), false)
        case .escapedNUL: return (good + line("{\"type\":\"user\",\"t\":\"a\\u0000b\"}\n"), false)
        case .crlfAndBlankLines: return (line("\r\n   \n") + line("{\"type\":\"user\",\"t\":1}\r\n\n\t\n") + good, false)
        case .missingFinalNewline: return (good + line("{\"type\":\"user\",\"t\":2}"), false)
        case .byteOrderMark: return ([0xEF, 0xBB, 0xBF] + good, false)
        case .integerBeyond64Bits: return (good + line("{\"type\":\"user\",\"big\":123456789012345678901234567890,\"max\":18446744073709551615,\"min\":-9223372036854775808}\n"), false)
        case .duplicateKeys: return (good + line("{\"type\":\"user\",\"k\":1,\"k\":2}\n"), false)
        }
    }
}

// MARK: - Archives

enum HostileArchive: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case empty, notJSON, binaryGarbage, wrongFormat, wrongVersion, versionAsString, missingVersion, truncatedMidLine,
         truncatedAtLineBoundary, moreThanDeclared, hugeDeclaredCount, duplicateIDs, traversalID, invalidMessage,
         invalidTag, invalidDate, invalidUTF8
    var testDescription: String { rawValue }

    static let header = #"{"format":"agent-sessions-archive","version":1,"sessions":N}"#
    static func entry(_ id: String, messages: String = #"[{"type":"user","message":{"role":"user","content":"imported"}}]"#,
                      tags: String = #"["x"]"#, created: String = "2025-01-01T00:00:00Z") -> String {
        #"{"id":"\#(id)","created_at":"\#(created)","updated_at":"2025-01-02T00:00:00.5Z","tags":\#(tags),"total_cost_usd":0.5,"turn_count":0,"messages":\#(messages)}"#
    }
    static func archive(_ lines: [String], declared: Int? = nil) -> [UInt8] {
        let head = header.replacingOccurrences(of: "N", with: String(declared ?? lines.count))
        return Array(([head] + lines).joined(separator: "\n").utf8) + [0x0A]
    }

    /// The bytes, and the 1-based line the error must name.
    var input: (bytes: [UInt8], line: Int) {
        switch self {
        case .empty: return ([], 1)
        case .notJSON: return (Array("hello\nworld\n".utf8), 1)
        case .binaryGarbage: return ([0x00, 0x01, 0xFF, 0xFE, 0x0A, 0x80], 1)
        case .wrongFormat: return (Array(#"{"format":"tar","version":1,"sessions":0}"#.utf8) + [0x0A], 1)
        case .wrongVersion: return (Array(Self.header.replacingOccurrences(of: "\"version\":1", with: "\"version\":2").replacingOccurrences(of: "N", with: "0").utf8) + [0x0A], 1)
        case .versionAsString: return (Array(Self.header.replacingOccurrences(of: "\"version\":1", with: "\"version\":\"1\"").replacingOccurrences(of: "N", with: "0").utf8) + [0x0A], 1)
        case .missingVersion: return (Array(#"{"format":"agent-sessions-archive","sessions":0}"#.utf8) + [0x0A], 1)
        case .truncatedMidLine:
            let full = Self.archive([Self.entry("new-1"), Self.entry("new-2")])
            return (Array(full.prefix(full.count - 40)), 3)
        case .truncatedAtLineBoundary: return (Self.archive([Self.entry("new-1")], declared: 2), 2)
        case .moreThanDeclared: return (Self.archive([Self.entry("new-1"), Self.entry("new-2")], declared: 1), 3)
        case .hugeDeclaredCount: return (Self.archive([Self.entry("new-1")], declared: 1_000_000_000_000_000_000), 2)
        case .duplicateIDs: return (Self.archive([Self.entry("new-1"), Self.entry("new-2"), Self.entry("new-1")]), 4)
        case .traversalID: return (Self.archive([Self.entry("new-1"), Self.entry("../escape")]), 3)
        case .invalidMessage: return (Self.archive([Self.entry("new-1"), Self.entry("new-2", messages: "[1]")]), 3)
        case .invalidTag: return (Self.archive([Self.entry("new-1", tags: #"[" padded "]"#)]), 2)
        case .invalidDate: return (Self.archive([Self.entry("new-1", created: "yesterday")]), 2)
        case .invalidUTF8:
            var bytes = Self.archive([Self.entry("new-1", messages: #"[{"type":"user","t":"XX"}]"#)])
            let x = bytes.firstIndex(of: UInt8(ascii: "X"))!
            bytes[x] = 0xFF
            bytes[x + 1] = 0xFE
            return (bytes, 2)
        }
    }
}

@Suite("Hostile input catalogue (issue 7.4)")
struct HostileInputTests {
    // MARK: Ids

    @Test("session ids: rejected with invalid_id and nothing written, or accepted and round-tripped", arguments: HostileID.all)
    func sessionIDs(_ hostile: HostileID) async throws {
        let fixture = try await HostileStore()
        let id = hostile.id
        let messages = [userLine("hostile id")]
        if hostile.rejected {
            let before = try await fixture.digest()
            let store = fixture.store
            await expectStoreError("invalid_id", "save") { try await store.saveSession(id, messages: messages) }
            await expectStoreError("invalid_id", "save json lines") { try await store.saveSession(id, jsonLines: Array("{\"type\":\"user\"}\n".utf8)) }
            await expectStoreError("invalid_id", "append") { try await store.appendMessages(id, messages) }
            await expectStoreError("invalid_id", "tag") { try await store.tagSession(id, add: ["x"]) }
            await expectStoreError("invalid_id", "delete") { try await store.deleteSession(id) }
            // Reads do not validate: an invalid id is never stored, so it is simply not found.
            await expectStoreError("not_found", "load") { _ = try await store.loadSession(id) }
            await expectStoreError("not_found", "session") { _ = try await store.session(id) }
            let after = try await fixture.digest()
            let changes = treeChanges(before, after)
            #expect(changes.isEmpty, "a rejected id changed files: \(changes)")
            try await fixture.expectKeptIntact(hostile.name)
        } else {
            let saved = try await fixture.store.saveSession(id, messages: messages, tags: ["hostile"])
            #expect(saved.id == id)
            // The file is exactly sessions/<id>.jsonl: nothing outside sessions/ was created for it.
            try await fixture.store.settleFiles()
            #expect(FileManager.default.fileExists(atPath: fixture.directory + "/sessions/" + id + ".jsonl"))
            try await fixture.store.appendMessages(id, [userLine("more")])
            try await fixture.store.tagSession(id, add: ["t"])
            let expected = try await fixture.store.loadSession(id)
            #expect(expected.messages == messages + [userLine("more")])
            try await fixture.reopen(dropSnapshot: true)  // a full rebuild reads the id back from the files
            #expect(try await fixture.store.loadSession(id) == expected)
            #expect(try await fixture.store.search(tags: ["hostile"]).map(\.id) == [id])
            try await fixture.expectKeptIntact(hostile.name)
            try await fixture.store.deleteSession(id)
            try await fixture.store.settleFiles()  // the file is removed just after the delete returns
            #expect(!FileManager.default.fileExists(atPath: fixture.directory + "/sessions/" + id + ".jsonl"), "file left after delete")
        }
        await fixture.close()
    }

    @Test("session ids that differ only in case are two sessions (on this case-sensitive file system)")
    func caseTwins() async throws {
        let fixture = try await HostileStore()
        try await fixture.store.saveSession("Keep-1", messages: [userLine("twin")])
        #expect(try await fixture.store.loadSession("Keep-1").messages == [userLine("twin")])
        try await fixture.expectKeptIntact("case twin")
        await fixture.close()
    }

    // MARK: Messages

    @Test("message lines: invalid ones rejected with invalid_message and nothing written; odd but valid ones round-trip",
          arguments: HostileMessages.allCases)
    func messageLines(_ hostile: HostileMessages) async throws {
        let fixture = try await HostileStore()
        let (bytes, rejected) = hostile.input
        if rejected {
            let before = try await fixture.digest()
            let store = fixture.store
            // Over an existing session, and as a new one.
            await expectStoreError("invalid_message", "over keep-1") { try await store.saveSession("keep-1", jsonLines: bytes) }
            await expectStoreError("invalid_message", "new session") { try await store.saveSession("fresh", jsonLines: bytes) }
            await expectStoreError("not_found", "the new session must not exist") { _ = try await store.session("fresh") }
            let after = try await fixture.digest()
            #expect(treeChanges(before, after).isEmpty, "a rejected message changed files")
            try await fixture.expectKeptIntact(hostile.rawValue)
        } else {
            let saved = try await fixture.store.saveSession("odd", jsonLines: bytes)
            let loaded = try await fixture.store.loadSession("odd")
            #expect(loaded.messages.count == saved.messageCount)
            // Blank lines are skipped and a leading byte order mark is dropped (the text is then
            // re-encoded); the rest is kept as parsed. An integer beyond 64 bits becomes a double (documented).
            #expect(saved.messageCount == (hostile == .byteOrderMark ? 1 : 2))
            if hostile == .integerBeyond64Bits, let last = loaded.messages.last {
                #expect(last.json["max"] == .uint(UInt64.max))
                #expect(last.json["min"] == .int(Int64.min))
                #expect(last.json["big"] == .double(123456789012345678901234567890.0))
            }
            if hostile == .duplicateKeys { #expect(String(decoding: loaded.messages[1].serialized(), as: UTF8.self) == #"{"type":"user","k":1,"k":2}"#) }
            try await fixture.reopen()
            #expect(try await fixture.store.loadSession("odd") == loaded, "changed across a reopen")
            try await fixture.expectKeptIntact(hostile.rawValue, reopen: false)
        }
        await fixture.close()
    }

    @Test("a message nested deeper than the parser's limit, built through the API, loads back (or is refused)")
    func deepMessageThroughAPI() async throws {
        let fixture = try await HostileStore()
        var value = JSONValue.int(1)
        for _ in 0..<600 { value = .array([value]) }
        let message = Message(object: ["type": "user", "deep": value])
        do {
            try await fixture.store.saveSession("deep", messages: [message])
        } catch {
            // A refusal is fine, if it is typed and wrote nothing.
            #expect(error.code == "invalid_message", "\(error)")
            #expect(!FileManager.default.fileExists(atPath: fixture.directory + "/sessions/deep.jsonl"))
            await fixture.close()
            return
        }
        try await fixture.reopen()  // cold cache: read from disk
        do {
            let loaded = try await fixture.store.loadSession("deep")
            #expect(loaded.messages == [message])
        } catch {
            Issue.record("saved (accepted) but cannot be loaded back: \(error)")
        }
        await fixture.close()
    }

    @Test("a message holding a non-finite number, built through the API: refused, or stored without corrupting the index")
    func nonFiniteNumbers() async throws {
        let fixture = try await HostileStore()
        let result = Message(object: ["type": "result", "subtype": "success", "total_cost_usd": .double(.nan)])
        do {
            let saved = try await fixture.store.saveSession("nan", messages: [userLine("x"), result])
            // Accepted: JSON has no NaN, so the stored text says null; the loaded message differs.
            let loaded = try await fixture.store.loadSession("nan")
            try await fixture.reopen()
            let reloaded = try await fixture.store.loadSession("nan")
            #expect(reloaded.messages == loaded.messages, "a reopen changed the messages")
            #expect(saved.totalCostUSD.isNaN || saved.totalCostUSD == 0)
            // The index must stay consistent when the NaN cost is replaced.
            try await fixture.store.saveSession("nan", messages: [userLine("y")])
            let byCost = try await fixture.store.search(SessionQuery(sort: .costDescending, limit: 10)).sessions.map(\.id)
            #expect(byCost.filter { $0 == "nan" }.count == 1, "a session appears \(byCost.filter { $0 == "nan" }.count) times: \(byCost)")
            let all = try await fixture.store.listSessions().sessions.map(\.id)
            #expect(all.count == 4, "\(all)")
        } catch {
            #expect((error as? StoreError)?.code == "invalid_message", "\(error)")
        }
        try await fixture.expectKeptIntact("non-finite")
        await fixture.close()
    }

    @Test("one 50 MB line is accepted and round-trips (save, load, reopen, load)")
    func fiftyMegabyteLine() async throws {
        let fixture = try await HostileStore()
        let clock = ContinuousClock()
        let text = String(repeating: "0123456789abcdef ✓ ", count: 50 * 1_048_576 / 21)  // about 50 MiB of UTF-8
        let message = userLine(text)
        let started = clock.now
        let saved = try await fixture.store.saveSession("big", messages: [message])
        #expect(saved.byteSize > 50_000_000)
        let afterSave = clock.now
        try await fixture.reopen()
        let loaded = try await fixture.store.loadSession("big")
        let afterLoad = clock.now
        #expect(loaded.messages.count == 1)
        #expect(loaded.messages.first?.json["message"]?["content"]?.stringValue == text)
        try await fixture.expectKeptIntact("50 MB line", reopen: false)
        print("50 MB line: save \(afterSave - started), reopen + load \(afterLoad - afterSave) (debug build)")
        await fixture.close()
    }

    @Test("1,000,000 messages in one session are accepted and round-trip")
    func millionMessages() async throws {
        let fixture = try await HostileStore()
        let clock = ContinuousClock()
        let count = 1_000_000
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * 24)
        for n in 0..<count { bytes += Array("{\"type\":\"user\",\"n\":\(n)}\n".utf8) }
        let started = clock.now
        let saved = try await fixture.store.saveSession("million", jsonLines: bytes)
        #expect(saved.messageCount == count)
        #expect(saved.byteSize == bytes.count)
        let afterSave = clock.now
        try await fixture.store.appendMessages("million", [userLine("one more")])
        try await fixture.reopen()
        let loaded = try await fixture.store.loadSession("million")
        let afterLoad = clock.now
        #expect(loaded.messages.count == count + 1)
        #expect(loaded.messages[count - 1].json["n"]?.intValue == count - 1)
        #expect(loaded.messages.last == userLine("one more"))
        print("1,000,000 messages: save \(afterSave - started), append + reopen + load \(afterLoad - afterSave) (debug build)")
        try await fixture.expectKeptIntact("1,000,000 messages", reopen: false)
        await fixture.close()
    }

    // MARK: Archives

    @Test("archives: every malformed one is rejected with invalid_archive and its line; nothing is written",
          arguments: HostileArchive.allCases)
    func archives(_ hostile: HostileArchive) async throws {
        let fixture = try await HostileStore()
        let path = fixture.directory + "-archive.jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (bytes, line) = hostile.input
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let before = try await fixture.digest()
        let store = fixture.store
        let error = await expectStoreError("invalid_archive", hostile.rawValue) { _ = try await store.importSessions(from: path, overwrite: true) }
        if case .invalidArchive(_, let reported, _) = error { #expect(reported == line, "\(error!)") }
        let after = try await fixture.digest()
        #expect(treeChanges(before, after).isEmpty, "a rejected archive changed files")
        await expectStoreError("not_found", "nothing imported") { _ = try await store.session("new-1") }
        try await fixture.expectKeptIntact(hostile.rawValue)
        await fixture.close()
    }

    @Test("archive paths: missing, a directory, a symbolic link, a FIFO (never waited on)")
    func archivePaths() async throws {
        let fixture = try await HostileStore()
        let base = fixture.directory + "-paths"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let good = base + "/good.jsonl"
        try Data(HostileArchive.archive([HostileArchive.entry("new-1")])).write(to: URL(fileURLWithPath: good))
        try FileManager.default.createSymbolicLink(atPath: base + "/link.jsonl", withDestinationPath: good)
        try FileManager.default.createDirectory(atPath: base + "/dir.jsonl", withIntermediateDirectories: true)
        #expect(mkfifo(base + "/fifo.jsonl", 0o600) == 0)
        let before = try await fixture.digest()
        let store = fixture.store
        let watchdog = FIFOWatchdog([base + "/fifo.jsonl"])
        defer { watchdog.finish() }
        await expectStoreError("invalid_archive", "missing file") { _ = try await store.importSessions(from: base + "/missing.jsonl") }
        for name in ["link", "dir", "fifo"] {
            let error = await expectStoreError("invalid_archive", name) { _ = try await store.importSessions(from: base + "/\(name).jsonl") }
            if case .invalidArchive(_, let line, let reason) = error { #expect(line == 0 && reason.hasPrefix("not a regular file"), "\(error!)") }
        }
        let after = try await fixture.digest()
        #expect(treeChanges(before, after).isEmpty)
        // The real file behind the link imports.
        #expect(try await store.importSessions(from: good).imported == ["new-1"])
        try await fixture.expectKeptIntact("archive paths")
        await fixture.close()
    }

    @Test("transcripts: a truncated one is rejected (strict), one missing only its final newline is accepted")
    func truncatedTranscript() async throws {
        let fixture = try await HostileStore()
        let full = Array(#"{"type":"system","subtype":"init","session_id":"t"}"#.utf8) + [0x0A] + Array(#"{"type":"user","message":{"role":"user","content":"hi"}}"#.utf8)
        let before = try await fixture.digest()
        let store = fixture.store
        let error = await expectStoreError("invalid_message", "truncated") { try await store.saveSession("t", jsonLines: Array(full.dropLast(5))) }
        if case .invalidMessage(_, let index, _) = error { #expect(index == 1) }
        let after = try await fixture.digest()
        #expect(treeChanges(before, after).isEmpty)
        #expect(try await store.saveSession("t", jsonLines: full).messageCount == 2)
        try await fixture.expectKeptIntact("transcript")
        await fixture.close()
    }

    @Test("a store directory with an unknown FORMAT is refused with unsupported_format and left as it was",
          arguments: [#"{"format":"agent-sessions-store","version":2}"#, #"{"format":"something-else","version":1}"#, "garbage", ""])
    func unknownFormat(_ format: String) async throws {
        let fixture = try await HostileStore()
        await fixture.store.shutdown()
        try Data(format.utf8).write(to: URL(fileURLWithPath: fixture.directory + "/FORMAT"))
        let before = treeDigest(fixture.directory)
        let configuration = fixture.configuration
        await expectStoreError("unsupported_format", "start") { _ = try await SessionStore.start(configuration) }
        let after = treeDigest(fixture.directory)
        #expect(treeChanges(before, after).isEmpty)
        try? FileManager.default.removeItem(atPath: fixture.directory)
    }

    // MARK: Symbolic links inside and around the store

    @Test("a symbolic link at sessions/<id>.jsonl pointing outside the store is never followed")
    func symlinkedSessionFile() async throws {
        let fixture = try await HostileStore(callTimeout: .seconds(1))
        let outside = fixture.directory + "-outside.txt"
        defer { try? FileManager.default.removeItem(atPath: outside) }
        // The same bytes the session holds, so that only the link itself can make a difference.
        let original = try #require(FileManager.default.contents(atPath: fixture.directory + "/sessions/keep-1.jsonl"))
        try original.write(to: URL(fileURLWithPath: outside))
        await fixture.store.shutdown()
        try FileManager.default.removeItem(atPath: fixture.directory + "/sessions/keep-1.jsonl")
        try FileManager.default.createSymbolicLink(atPath: fixture.directory + "/sessions/keep-1.jsonl", withDestinationPath: outside)
        fixture.store = try await SessionStore.start(fixture.configuration)
        let store = fixture.store
        // load: refuses to open the link (O_NOFOLLOW).
        await expectStoreError("unsafe_path", "load") { _ = try await store.loadSession("keep-1") }
        // append: refused before anything is logged (unsafe_path), and the outside file is not written.
        await expectStoreError("unsafe_path", "append") { try await store.appendMessages("keep-1", [userLine("through the link?")]) }
        #expect(FileManager.default.contents(atPath: outside) == original, "the file outside the store was written through the link")
        // After the failed append the store must still work (the actor restarts from disk).
        var canary: StoreError?
        do { try await store.saveSession("canary", messages: [userLine("alive")]) } catch { canary = error }
        #expect(canary == nil, "the store no longer takes writes after an append hit the link: \(canary.map(\.description) ?? "")")
        // save: replaces the link with a regular file; delete removes it; the target stays.
        var replace: StoreError?
        do { try await store.saveSession("keep-1", messages: [userLine("replaced")]) } catch { replace = error }
        #expect(replace == nil, "save over the link: \(replace.map(\.description) ?? "")")
        try await store.settleFiles()
        var info = stat()
        #expect(lstat(fixture.directory + "/sessions/keep-1.jsonl", &info) == 0 && UInt32(info.st_mode) & UInt32(S_IFMT) == UInt32(S_IFREG),
                "save did not replace the link with a regular file")
        #expect((try? await store.loadSession("keep-1"))?.messages == [userLine("replaced")])
        #expect(FileManager.default.contents(atPath: outside) == original)
        // And the directory must still open.
        await store.shutdown()
        do {
            fixture.store = try await SessionStore.start(fixture.configuration)
        } catch {
            Issue.record("the store directory no longer opens: \(error)")
            fixture.store = try await SessionStore.start(SessionStore.Configuration(directory: fixture.directory + "-unused", durability: .buffered))
            try? FileManager.default.removeItem(atPath: fixture.directory + "-unused")
        }
        await fixture.close()
    }

    @Test("an append to a session whose file was removed behind the store's back is refused (not_found) before anything is logged")
    func appendToRemovedFile() async throws {
        let fixture = try await HostileStore()
        let store = fixture.store
        try await store.settleFiles()
        let path = fixture.directory + "/sessions/keep-1.jsonl"
        try FileManager.default.removeItem(atPath: path)
        let before = treeDigest(fixture.directory)
        let error = await expectStoreError("not_found", "append") { try await store.appendMessages("keep-1", [userLine("lost?")]) }
        #expect(error == .notFound(id: "keep-1"), "as a load that reads the file says")
        #expect(treeChanges(before, treeDigest(fixture.directory)).isEmpty, "the refused append changed files")
        #expect(try await store.loadSession("keep-2") == fixture.kept[1])
        try await store.appendMessages("keep-2", [userLine("still taking writes")])
        await fixture.close()
    }

    @Test("an append to a session file this process may not write is refused (read_only) before anything is logged")
    func appendToUnwritableFile() async throws {
        let fixture = try await HostileStore()
        let store = fixture.store
        let path = fixture.directory + "/sessions/keep-1.jsonl"
        let unwritable = try #require(Unwritable(path), "cannot make a file unwritable here")
        defer { unwritable.restore() }
        let before = treeDigest(fixture.directory)
        let error = await expectStoreError("read_only", "append") { try await store.appendMessages("keep-1", [userLine("denied?")]) }
        #expect(error == .readOnly(path: path))
        #expect(treeChanges(before, treeDigest(fixture.directory)).isEmpty, "the refused append changed files")
        #expect(try await store.loadSession("keep-1") == fixture.kept[0])
        unwritable.restore()
        try await store.appendMessages("keep-1", [userLine("allowed")])
        #expect(try await store.loadSession("keep-1").messages == fixture.kept[0].messages + [userLine("allowed")])
        await fixture.close()
    }

    @Test("a symbolic link at STORE/journal pointing outside the store: the outside file is not touched")
    func symlinkedJournal() async throws {
        let fixture = try await HostileStore()
        let outside = fixture.directory + "-victim.txt"
        defer { try? FileManager.default.removeItem(atPath: outside) }
        let victim = Data("a file that is not the store's\n".utf8)
        try victim.write(to: URL(fileURLWithPath: outside))
        await fixture.store.shutdown()
        try FileManager.default.removeItem(atPath: fixture.directory + "/journal")
        try FileManager.default.createSymbolicLink(atPath: fixture.directory + "/journal", withDestinationPath: outside)
        do {
            fixture.store = try await SessionStore.start(fixture.configuration)
            _ = try? await fixture.store.saveSession("through-journal", messages: [userLine("x")])
            await fixture.store.shutdown()
        } catch {
            // Refusing to open is the better answer; record what it was.
            #expect(error.code == "unsafe_path", "\(error)")
        }
        #expect(FileManager.default.contents(atPath: outside) == victim, "the file behind STORE/journal was modified")
        try? FileManager.default.removeItem(atPath: fixture.directory)
    }

    @Test("FIFOs in the places of a session file, the snapshot and an unknown session file are refused or quarantined, never waited on")
    func fifosInTheStore() async throws {
        let fixture = try await HostileStore(callTimeout: .seconds(30))
        let sessions = fixture.directory + "/sessions"
        await fixture.store.shutdown()
        try FileManager.default.removeItem(atPath: sessions + "/keep-1.jsonl")
        #expect(mkfifo(sessions + "/keep-1.jsonl", 0o600) == 0)
        let watchdog = FIFOWatchdog([sessions + "/keep-1.jsonl", fixture.directory + "/index.snapshot", sessions + "/stray.jsonl"])
        defer { watchdog.finish() }
        fixture.store = try await SessionStore.start(fixture.configuration)
        let store = fixture.store
        await expectStoreError("unsafe_path", "load") { _ = try await store.loadSession("keep-1") }
        await expectStoreError("unsafe_path", "append") { try await store.appendMessages("keep-1", [userLine("into the FIFO?")]) }
        #expect(try await store.loadSession("keep-2") == fixture.kept[1])

        // At an open without a usable snapshot: a FIFO snapshot is quarantined (the index is
        // rebuilt from the catalog), and so is a FIFO named like a session file the catalog does not know.
        await store.shutdown()
        try FileManager.default.removeItem(atPath: fixture.directory + "/index.snapshot")
        #expect(mkfifo(fixture.directory + "/index.snapshot", 0o600) == 0)
        #expect(mkfifo(sessions + "/stray.jsonl", 0o600) == 0)
        fixture.store = try await SessionStore.start(fixture.configuration)
        let reopened = fixture.store
        #expect(try await reopened.loadSession("keep-2") == fixture.kept[1])
        #expect(try await reopened.loadSession("keep-日本") == fixture.kept[2])
        await expectStoreError("not_found", "the stray FIFO") { _ = try await reopened.loadSession("stray") }
        let quarantined = try FileManager.default.contentsOfDirectory(atPath: fixture.directory + "/quarantine")
        #expect(quarantined.contains { $0.hasPrefix("index.snapshot.") } && quarantined.contains { $0.hasPrefix("stray.jsonl.") }, "\(quarantined)")
        #expect(!FileManager.default.fileExists(atPath: sessions + "/stray.jsonl"))

        // A save replaces the FIFO with the session's file.
        try await reopened.saveSession("keep-1", messages: [userLine("replaced")])
        try await reopened.settleFiles()
        #expect(try await reopened.loadSession("keep-1").messages == [userLine("replaced")])
        await fixture.close()
    }

    @Test("a store directory reached through a symbolic link is accepted (documented)")
    func symlinkedStoreDirectory() async throws {
        let real = NSTemporaryDirectory() + "agent-sessions-real-\(UUID().uuidString)"
        let link = real + "-link"
        try FileManager.default.createDirectory(atPath: real, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        defer { try? FileManager.default.removeItem(atPath: link) }
        let fixture = try await HostileStore(directory: link)
        try await fixture.expectKeptIntact("symlinked store directory")
        #expect(FileManager.default.fileExists(atPath: real + "/sessions/keep-1.jsonl"))
        await fixture.close()  // removes the link
        try? FileManager.default.removeItem(atPath: real)
    }
}

/// Guards a test against a store that waits on a FIFO: if the test has not called ``finish()``
/// within 20 seconds, opens each FIFO for reading and writing (which wakes an `open` blocked on it
/// for either), every 50 ms until ``finish()``, and the test fails. It runs on a thread of its
/// own: a store blocked in `open` may hold every thread of the cooperative pool. A store that
/// never waits on a FIFO finishes long before the first 20 seconds are up.
final class FIFOWatchdog: Sendable {
    private let finished = DispatchSemaphore(value: 0)
    private let exited = DispatchSemaphore(value: 0)
    private let fired = Atomic(false)
    private let sourceLocation: SourceLocation

    init(_ paths: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        self.sourceLocation = sourceLocation
        Thread { [self] in
            if finished.wait(timeout: DispatchTime.now() + .seconds(20)) == .timedOut {
                fired.store(true, ordering: .relaxed)
                repeat {
                    for path in paths {
                        let fd = open(path, O_RDWR | O_NONBLOCK)
                        if fd >= 0 { close(fd) }
                    }
                } while finished.wait(timeout: DispatchTime.now() + .milliseconds(50)) == .timedOut
            }
            exited.signal()
        }.start()
    }

    /// Stops the watchdog (call once); records an issue if it had to wake the store.
    func finish() {
        finished.signal()
        exited.wait()
        if fired.load(ordering: .relaxed) { Issue.record("the store waited on a FIFO", sourceLocation: sourceLocation) }
    }
}
