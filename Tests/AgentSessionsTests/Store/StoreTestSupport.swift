import Foundation
import Synchronization
import Testing
@testable import AgentSessions

/// A fresh directory under the system temporary directory, removed by ``remove()``.
struct TemporaryDirectory {
    let path: String

    init(_ label: String = "store") {
        path = NSTemporaryDirectory() + "agent-sessions-test-\(label)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Yields until `condition` holds, at most 100,000 times; whether it holds.
func eventually(_ condition: () -> Bool) async -> Bool {
    for _ in 0..<100_000 where !condition() { await Task.yield() }
    return condition()
}

/// A metadata record with readable defaults for index and backend tests.
func metadata(
    _ id: String, created: Double = 1_000, updated: Double? = nil, cost: Double = 0.1, tags: [String] = [],
    messages: Int = 1, bytes: Int = 0
) -> SessionMetadata {
    SessionMetadata(
        id: id, createdAt: Date(timeIntervalSince1970: created), updatedAt: Date(timeIntervalSince1970: updated ?? created),
        messageCount: messages, totalCostUSD: cost, turnCount: 0, tags: tags, summary: "s-\(id)", model: nil,
        byteSize: bytes)
}

/// `count` JSON lines `{"n":i}` as bytes.
func jsonLines(_ range: Range<Int>, tag: String = "n") -> [UInt8] {
    Array(range.map { "{\"\(tag)\":\($0)}\n" }.joined().utf8)
}

/// A small but realistic stream-json conversation: init, a prompt, `turns` assistant lines, a result.
func conversation(_ sessionID: String, cost: Double = 0.25, turns: Int = 2, prompt: String = "Fix the bug") -> [Message] {
    var lines = [
        #"{"type":"system","subtype":"init","session_id":"\#(sessionID)","model":"claude-test-1","tools":["Bash"]}"#,
        #"{"type":"user","message":{"role":"user","content":"\#(prompt)"},"session_id":"\#(sessionID)"}"#,
    ]
    for turn in 0..<turns {
        lines.append(#"{"type":"assistant","message":{"id":"msg_\#(turn)","role":"assistant","model":"claude-test-1","content":[{"type":"text","text":"step \#(turn) ✓"}]},"session_id":"\#(sessionID)"}"#)
    }
    lines.append(#"{"type":"result","subtype":"success","is_error":false,"num_turns":\#(turns),"total_cost_usd":\#(cost),"session_id":"\#(sessionID)"}"#)
    return lines.map { try! Message(parsing: $0) }
}

func userMessage(_ text: String) -> Message {
    try! Message(parsing: #"{"type":"user","message":{"role":"user","content":"\#(text)"}}"#)
}

/// The two backends every behaviour test runs against.
enum BackendKind: String, CaseIterable, CustomTestStringConvertible {
    case file, memory
    var testDescription: String { rawValue }
}

/// A settable wall clock for `createdAt`/`updatedAt`/cleanup.
final class TestNow: Sendable {
    private let value: Mutex<Date>
    init(_ date: Date = Date(timeIntervalSince1970: 1_700_000_000)) { value = Mutex(date) }
    var date: Date {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
    func advance(_ seconds: Double) { value.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// Starts a store of the given kind in `directory` (else in a temporary directory, removed
/// afterwards), runs `body`, shuts it down.
func withStore(
    _ kind: BackendKind, directory: String? = nil, durability: Durability = .buffered, now: TestNow = TestNow(),
    configure: (inout SessionStore.Configuration) -> Void = { _ in },
    _ body: (SessionStore, String) async throws -> Void
) async throws {
    let temporary = directory == nil ? TemporaryDirectory() : nil
    defer { temporary?.remove() }
    let path = directory ?? temporary!.path
    var configuration = SessionStore.Configuration(directory: path, durability: durability)
    configuration.cleanup = nil
    configuration.now = { now.date }
    if kind == .memory {
        let backend = InMemoryBackend()
        configuration.backend = { backend }
    }
    configure(&configuration)
    let store = try await SessionStore.start(configuration)
    do { try await body(store, path) } catch {
        await store.shutdown()
        throw error
    }
    await store.shutdown()
}

extension MetadataFile {
    /// A session's catalog line, `\n` included, as ``MetadataFile/write(_:to:)`` writes it.
    static func encode(_ m: SessionMetadata) -> [UInt8] {
        var writer = JSONWriter()
        write(m, to: &writer)
        return writer.bytes()
    }
}

extension IndexSnapshot {
    /// ``IndexSnapshot/decode(_:)`` of a snapshot held in an array.
    static func decode(_ bytes: [UInt8]) throws(ByteReader.Truncated) -> Image {
        try bytes.withUnsafeBytes { raw in Result { () throws(ByteReader.Truncated) in try decode(raw) } }.get()
    }
}
