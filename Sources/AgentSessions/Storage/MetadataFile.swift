import Foundation

/// A session's metadata as one JSON object: a line of `metadata.jsonl` (``MetadataCatalog``), and
/// the whole of a `sessions/<id>.meta.json` file written by versions before the catalog.
///
/// Dates appear twice: as ISO-8601 text for people (`created_at`) and as the exact seconds
/// since Foundation's reference date, 2001-01-01T00:00:00Z (`created_at_ref`), which is how
/// `Date` stores them, so that a rebuild restores them bit for bit.
enum MetadataFile {
    /// Writes the session's line, `\n` included, member by member (the catalog writes one line
    /// per session at a checkpoint, so no object is built): `format_version`, `id`, `created_at`,
    /// `created_at_ref`, `updated_at`, `updated_at_ref`, `message_count`, `total_cost_usd`,
    /// `turn_count`, `tags`, `byte_size`, then `summary` and `model` when there are.
    static func write(_ m: SessionMetadata, to w: inout JSONWriter) {
        w.putLiteral(#"{"format_version":1,"id":"#)
        w.write(.string(m.id))
        w.putLiteral(#","created_at":"#)
        w.write(.string(ISO8601.string(m.createdAt)))
        w.putLiteral(#","created_at_ref":"#)
        w.write(.double(m.createdAt.timeIntervalSinceReferenceDate))
        w.putLiteral(#","updated_at":"#)
        w.write(.string(ISO8601.string(m.updatedAt)))
        w.putLiteral(#","updated_at_ref":"#)
        w.write(.double(m.updatedAt.timeIntervalSinceReferenceDate))
        w.putLiteral(#","message_count":"#)
        w.write(.int(Int64(m.messageCount)))
        w.putLiteral(#","total_cost_usd":"#)
        w.write(.double(m.totalCostUSD))
        w.putLiteral(#","turn_count":"#)
        w.write(.int(Int64(m.turnCount)))
        w.putLiteral(#","tags":["#)
        for (i, tag) in m.tags.enumerated() {
            if i > 0 { w.putLiteral(",") }
            w.write(.string(tag))
        }
        w.putLiteral(#"],"byte_size":"#)
        w.write(.int(Int64(m.byteSize)))
        if let summary = m.summary {
            w.putLiteral(#","summary":"#)
            w.write(.string(summary))
        }
        if let model = m.model {
            w.putLiteral(#","model":"#)
            w.write(.string(model))
        }
        w.putLiteral("}\n")
    }

    /// Writes the catalog's line for a deleted session: `{"id":…,"deleted":true}` and `\n`.
    static func writeDeletion(_ id: String, to w: inout JSONWriter) {
        w.putLiteral(#"{"id":"#)
        w.write(.string(id))
        w.putLiteral(",\"deleted\":true}\n")
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
