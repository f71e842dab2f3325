import Foundation
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
