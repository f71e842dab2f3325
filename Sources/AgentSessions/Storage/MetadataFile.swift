import Foundation

/// A session's metadata as one JSON object: a line of `metadata.jsonl` (``MetadataCatalog``), and
/// the whole of a `sessions/<id>.meta.json` file written by versions before the catalog.
///
/// Dates appear twice: as ISO-8601 text for people (`created_at`) and as the exact seconds
/// since Foundation's reference date, 2001-01-01T00:00:00Z (`created_at_ref`), which is how
/// `Date` stores them, so that a rebuild restores them bit for bit.
enum MetadataFile {
    static func encode(_ m: SessionMetadata) -> [UInt8] {
        var object: JSONObject = [
            "format_version": 1, "id": .string(m.id),
            "created_at": .string(ISO8601.string(m.createdAt)), "created_at_ref": .double(m.createdAt.timeIntervalSinceReferenceDate),
            "updated_at": .string(ISO8601.string(m.updatedAt)), "updated_at_ref": .double(m.updatedAt.timeIntervalSinceReferenceDate),
            "message_count": .int(Int64(m.messageCount)), "total_cost_usd": .double(m.totalCostUSD),
            "turn_count": .int(Int64(m.turnCount)), "tags": .array(m.tags.map { .string($0) }),
            "byte_size": .int(Int64(m.byteSize)),
        ]
        if let summary = m.summary { object.append(key: "summary", value: .string(summary)) }
        if let model = m.model { object.append(key: "model", value: .string(model)) }
        var bytes = JSONValue.object(object).serialized()
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    /// The catalog's line for a deleted session: `{"id":…,"deleted":true}`.
    static func deletionLine(_ id: String) -> [UInt8] {
        var bytes = JSONValue.object(["id": .string(id), "deleted": true]).serialized()
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    private static let deletionPrefix = Array("{\"id\":".utf8)

    /// The id of a deletion line; `nil` for any other line.
    static func deletedID(_ line: [UInt8]) -> String? {
        // Cheap test first: metadata lines start with "format_version".
        guard line.starts(with: deletionPrefix), let o = try? JSONValue(parsing: line), o["deleted"] == true else { return nil }
        return o["id"]?.stringValue
    }

    static func decode(_ bytes: [UInt8]) -> SessionMetadata? {
        guard let o = try? JSONValue(parsing: bytes), o["format_version"]?.intValue == 1, let id = o["id"]?.stringValue,
              let created = o["created_at_ref"]?.doubleValue, let updated = o["updated_at_ref"]?.doubleValue,
              let count = o["message_count"]?.intValue, let cost = o["total_cost_usd"]?.doubleValue,
              let turns = o["turn_count"]?.intValue, let tags = o["tags"]?.arrayValue?.compactMap(\.stringValue),
              let size = o["byte_size"]?.intValue
        else { return nil }
        return SessionMetadata(
            id: id, createdAt: Date(timeIntervalSinceReferenceDate: created), updatedAt: Date(timeIntervalSinceReferenceDate: updated),
            messageCount: count, totalCostUSD: cost, turnCount: turns, tags: tags,
            summary: o["summary"]?.stringValue, model: o["model"]?.stringValue, byteSize: size)
    }
}

/// ISO-8601 formatting and parsing shared by the store, the archive format and the CLI.
package enum ISO8601 {
    /// `2025-11-30T21:13:21Z`, with `.sss` fractional seconds when the instant, rounded to the
    /// millisecond, has them (or always, with `alwaysMilliseconds`). Rounded, not truncated:
    /// `…39.527Z` parsed and printed again stays `…39.527Z` although its `Date` is a hair below .527.
    package static func string(_ date: Date, alwaysMilliseconds: Bool = false) -> String {
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
        let seconds = (milliseconds / 1000).rounded(.down)
        let fraction = Int(milliseconds - seconds * 1000)
        let whole = Date(timeIntervalSince1970: seconds).formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
        guard fraction > 0 || alwaysMilliseconds else { return whole }
        return String(whole.dropLast()) + "." + String(String(fraction + 1000).dropFirst()) + "Z"
    }

    /// Parses ISO-8601 date-times with or without fractional seconds and with `Z` or an offset,
    /// or a bare date (`2025-11-30`, midnight UTC); nil otherwise.
    package static func parse(_ text: String) -> Date? {
        if let date = ISO8601Timestamp.parse(text) { return date }
        return try? Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day().parse(text)
    }
}
