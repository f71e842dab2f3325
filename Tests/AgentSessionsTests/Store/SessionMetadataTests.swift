import Foundation
import Testing
@testable import AgentSessions

@Suite("SessionMetadata: value semantics over its shared text")
struct SessionMetadataTests {
    static func record(id: String = "s-1") -> SessionMetadata {
        SessionMetadata(id: id, createdAt: Date(timeIntervalSince1970: 1_000), updatedAt: Date(timeIntervalSince1970: 2_000),
                        messageCount: 17, totalCostUSD: 0.42, turnCount: 8, tags: ["b", "a", "b"], summary: "fix it",
                        model: "claude-sonnet", byteSize: 11_234)
    }

    /// One change to each field.
    enum Field: CaseIterable, Sendable {
        case id, createdAt, updatedAt, messageCount, totalCostUSD, turnCount, tags, summary, model, byteSize

        func change(_ m: inout SessionMetadata) {
            switch self {
            case .id: m.id = "s-2"
            case .createdAt: m.createdAt += 1
            case .updatedAt: m.updatedAt += 1
            case .messageCount: m.messageCount += 1
            case .totalCostUSD: m.totalCostUSD += 0.01
            case .turnCount: m.turnCount += 1
            case .tags: m.tags = ["a"]
            case .summary: m.summary = nil
            case .model: m.model = "claude-opus"
            case .byteSize: m.byteSize += 1
            }
        }
    }

    @Test("records built apart compare and hash equal; tags are sorted and distinct")
    func equalByValue() {
        let a = Self.record(), b = Self.record()
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(a.tags == ["a", "b"])
    }

    @Test("a change to any field makes a copy unequal and leaves the original as it was", arguments: Field.allCases)
    func changeIsLocal(_ field: Field) {
        let original = Self.record()
        var copy = original
        field.change(&copy)
        #expect(copy != original)
        #expect(original == Self.record())
        #expect(original.id == "s-1" && original.tags == ["a", "b"] && original.summary == "fix it" && original.model == "claude-sonnet")
    }

    @Test("a change made and undone compares equal again (by value, not by the shared text's identity)")
    func changeUndone() {
        var m = Self.record()
        m.summary = "other"
        m.summary = "fix it"
        #expect(m == Self.record())
        #expect(Set([m, Self.record()]).count == 1)
    }
}
