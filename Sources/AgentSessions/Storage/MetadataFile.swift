import Foundation

/// The `sessions/<id>.meta.json` format: a session's metadata as one JSON object.
///
/// Dates appear twice: as ISO-8601 text for people (`created_at`) and as exact Unix seconds
/// (`created_at_unix`) so that a rebuild restores them bit for bit.
enum MetadataFile {
    static func encode(_ m: SessionMetadata) -> [UInt8] {
        var object: [String: Any] = [
            "format_version": 1, "id": m.id,
            "created_at": ISO8601.string(m.createdAt), "created_at_unix": m.createdAt.timeIntervalSince1970,
            "updated_at": ISO8601.string(m.updatedAt), "updated_at_unix": m.updatedAt.timeIntervalSince1970,
            "message_count": m.messageCount, "total_cost_usd": m.totalCostUSD, "turn_count": m.turnCount,
            "tags": m.tags, "byte_size": m.byteSize,
        ]
        if let summary = m.summary { object["summary"] = summary }
        if let model = m.model { object["model"] = model }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return Array(data) + [UInt8(ascii: "\n")]
    }

    static func decode(_ bytes: [UInt8]) -> SessionMetadata? {
        guard let o = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              o["format_version"] as? Int == 1, let id = o["id"] as? String,
              let created = (o["created_at_unix"] as? NSNumber)?.doubleValue,
              let updated = (o["updated_at_unix"] as? NSNumber)?.doubleValue,
              let count = o["message_count"] as? Int, let cost = (o["total_cost_usd"] as? NSNumber)?.doubleValue,
              let turns = o["turn_count"] as? Int, let tags = o["tags"] as? [String], let size = o["byte_size"] as? Int
        else { return nil }
        return SessionMetadata(
            id: id, createdAt: Date(timeIntervalSince1970: created), updatedAt: Date(timeIntervalSince1970: updated),
            messageCount: count, totalCostUSD: cost, turnCount: turns, tags: tags,
            summary: o["summary"] as? String, model: o["model"] as? String, byteSize: size)
    }
}

/// ISO-8601 formatting and parsing shared by the store, the archive format and the CLI.
enum ISO8601 {
    /// `2025-11-30T21:13:21Z`, with `.sss` fractional seconds only when the instant has them.
    static func string(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: seconds.rounded(.down) != seconds, timeZone: .gmt)
        return date.formatted(style)
    }

    /// Parses ISO-8601 date-times with or without fractional seconds, or a bare date (`2025-11-30`, midnight UTC).
    static func parse(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(timeZone: .gmt).parse(text) { return date }
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt).parse(text) { return date }
        if let date = try? Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day().parse(text) { return date }
        return nil
    }
}
