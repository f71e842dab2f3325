import Foundation

/// The portable export format: one JSON-lines file holding any number of sessions.
///
/// Line 1 is a header, `{"format":"agent-sessions-archive","version":1,"sessions":N}`. Each
/// further line is one session: `{"id", "created_at", "updated_at", "tags", "summary",
/// "total_cost_usd", "turn_count", "model", "messages": [...]}` with ISO-8601 dates (to the
/// millisecond) and the messages exactly as stored. Reading validates the whole archive
/// before anything is imported.
struct SessionArchive: Sendable {
    struct Entry: Sendable {
        var metadata: SessionMetadata
        var messages: [Message]
    }

    static let format = "agent-sessions-archive"
    static let version = 1

    var entries: [Entry]

    /// Encodes the archive as bytes.
    func encoded() -> [UInt8] {
        var out: [UInt8] = []
        let header: JSONObject = ["format": .string(Self.format), "version": .int(Int64(Self.version)),
                                  "sessions": .int(Int64(entries.count))]
        JSONValue.object(header).write(into: &out)
        out.append(UInt8(ascii: "\n"))
        for entry in entries {
            let m = entry.metadata
            var object: JSONObject = [
                "id": .string(m.id), "created_at": .string(ISO8601.string(m.createdAt)),
                "updated_at": .string(ISO8601.string(m.updatedAt)), "tags": .array(m.tags.map { .string($0) }),
                "total_cost_usd": .double(m.totalCostUSD), "turn_count": .int(Int64(m.turnCount)),
            ]
            if let summary = m.summary { object.append(key: "summary", value: .string(summary)) }
            if let model = m.model { object.append(key: "model", value: .string(model)) }
            object.append(key: "messages", value: .array(entry.messages.map(\.json)))
            JSONValue.object(object).write(into: &out)
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    /// Decodes and validates an archive; the first problem is reported with its line number.
    static func decode(_ bytes: [UInt8], path: String) throws(StoreError) -> SessionArchive {
        func bad(_ line: Int, _ reason: String) -> StoreError { .invalidArchive(path: path, line: line, reason: reason) }
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard let first = lines.first else { throw bad(1, "the archive is empty") }
        guard let header = try? JSONValue(parsing: Array(first)), header["format"]?.stringValue == format else {
            throw bad(1, "the first line is not an \(format) header")
        }
        guard header["version"]?.intValue == version else {
            throw bad(1, "archive version \(header["version"].map { "\($0.jsonString)" } ?? "missing") is not supported (expected \(version))")
        }
        var entries: [Entry] = []
        var seen: Set<String> = []
        for (offset, raw) in lines.dropFirst().enumerated() {
            let number = offset + 2
            let value: JSONValue
            do { value = try JSONValue(parsing: Array(raw)) } catch { throw bad(number, "not JSON: \(error)") }
            guard let id = value["id"]?.stringValue else { throw bad(number, "the session has no string `id`") }
            do { try SessionID.validate(id) } catch { throw bad(number, error.description) }
            guard seen.insert(id).inserted else { throw bad(number, "session \(StoreError.quote(id)) appears twice") }
            guard let created = value["created_at"]?.stringValue.flatMap(ISO8601.parse),
                  let updated = value["updated_at"]?.stringValue.flatMap(ISO8601.parse)
            else { throw bad(number, "`created_at` and `updated_at` must be ISO-8601 dates") }
            guard let rawMessages = value["messages"]?.arrayValue else { throw bad(number, "`messages` must be an array") }
            var messages: [Message] = []
            messages.reserveCapacity(rawMessages.count)
            for (index, json) in rawMessages.enumerated() {
                do { messages.append(try Message(json: json)) } catch { throw bad(number, "message \(index): \(error)") }
            }
            let tags = value["tags"]?.arrayValue?.compactMap(\.stringValue) ?? []
            for tag in tags {
                do { try SessionID.validateTag(tag) } catch { throw bad(number, error.description) }
            }
            let facts = StoredFacts(messages)
            let metadata = SessionMetadata(
                id: id, createdAt: created, updatedAt: updated, messageCount: messages.count,
                totalCostUSD: value["total_cost_usd"]?.doubleValue ?? facts.cost,
                turnCount: value["turn_count"]?.intValue ?? facts.turnCount, tags: tags,
                summary: value["summary"]?.stringValue ?? facts.summary, model: value["model"]?.stringValue ?? facts.model,
                byteSize: 0)
            entries.append(Entry(metadata: metadata, messages: messages))
        }
        let declared = header["sessions"]?.intValue
        if let declared, declared != entries.count {
            throw bad(lines.count, "the header declares \(declared) sessions but \(entries.count) follow (truncated?)")
        }
        return SessionArchive(entries: entries)
    }
}
