import Foundation
import Testing
@testable import AgentSessions

@Suite("SessionMetadata: a value, whichever of its fields share a box")
struct SessionMetadataTests {
    static func make() -> SessionMetadata {
        SessionMetadata(
            id: "a", createdAt: Date(timeIntervalSince1970: 1_000), updatedAt: Date(timeIntervalSince1970: 2_000),
            messageCount: 3, totalCostUSD: 0.5, turnCount: 1, tags: ["y", "x", "y"], summary: "first", model: "m", byteSize: 10)
    }

    static let fields = ["id", "createdAt", "updatedAt", "messageCount", "totalCostUSD", "turnCount", "tags", "summary", "model", "byteSize"]

    /// Sets `field` of `record` to a value other than ``make()``'s.
    static func change(_ record: inout SessionMetadata, _ field: String) {
        switch field {
        case "id": record.id = "b"
        case "createdAt": record.createdAt = Date(timeIntervalSince1970: 1_001)
        case "updatedAt": record.updatedAt = Date(timeIntervalSince1970: 2_001)
        case "messageCount": record.messageCount = 4
        case "totalCostUSD": record.totalCostUSD = 0.75
        case "turnCount": record.turnCount = 2
        case "tags": record.tags = ["z"]
        case "summary": record.summary = nil
        case "model": record.model = "n"
        default: record.byteSize = 11
        }
    }

    @Test("setting any field of a copy changes the copy only, and makes it unequal to the original", arguments: fields)
    func copiesAreIndependent(_ field: String) {
        let original = Self.make()
        var copy = original
        Self.change(&copy, field)
        #expect(original == Self.make(), "the original keeps every field")
        #expect(original.id == "a" && original.tags == ["x", "y"] && original.summary == "first" && original.model == "m")
        #expect(copy != original)
        var again = copy
        Self.change(&again, field)
        #expect(again == copy, "setting the same value again gives an equal record")
    }

    @Test("boxed fields changed in place (through inout) change the copy only")
    func inPlaceMutation() {
        let original = Self.make()
        var copy = original
        copy.id.append("2")
        copy.summary?.append(" and more")
        copy.model = copy.model.map { $0 + "-x" }
        #expect(copy.id == "a2" && copy.summary == "first and more" && copy.model == "m-x")
        #expect(original == Self.make())
    }

    @Test("records built apart with the same fields are equal and hash alike; printing shows the fields")
    func equalityAndPrinting() {
        let a = Self.make(), b = Self.make()
        #expect(a == b)
        #expect(Set([a, b]).count == 1)
        #expect(Mirror(reflecting: a).children.map(\.label) == Self.fields.map { Optional($0) })
        #expect(String(describing: a).contains("summary: Optional(\"first\")"))
    }
}
