import AgentSessions
import Foundation

/// JSON and text forms of the values the commands print.
enum Rendering {
    /// The stable JSON form of a session's metadata.
    static func json(_ m: SessionMetadata) -> JSONValue {
        .object([
            "id": .string(m.id), "created_at": .string(DurationText.iso(m.createdAt)),
            "updated_at": .string(DurationText.iso(m.updatedAt)), "message_count": .int(Int64(m.messageCount)),
            "total_cost_usd": .double(m.totalCostUSD), "turn_count": .int(Int64(m.turnCount)),
            "tags": .array(m.tags.map { .string($0) }), "summary": m.summary.map { .string($0) } ?? .null,
            "model": m.model.map { .string($0) } ?? .null, "byte_size": .int(Int64(m.byteSize)),
        ])
    }

    /// `$0.0123`.
    static func cost(_ value: Double) -> String {
        String(format: "$%.4f", value)
    }

    /// A one-line text cut to `width` characters.
    static func clip(_ text: String, _ width: Int) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return line.count <= width ? line : String(line.prefix(width - 1)) + "…"
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func padLeft(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }

    /// A table of sessions: id, updated, messages, turns, cost, tags, summary.
    static func table(_ sessions: [SessionMetadata]) -> [String] {
        let idWidth = min(40, max(2, sessions.map(\.id.count).max() ?? 2))
        var lines = [pad("ID", idWidth) + "  UPDATED (UTC)     MSGS  TURNS       COST  TAGS / SUMMARY"]
        for m in sessions {
            let tags = m.tags.isEmpty ? "" : m.tags.joined(separator: ",")
            let summary = m.summary.map { clip($0, 50) } ?? ""
            lines.append(
                pad(clip(m.id, idWidth), idWidth) + "  " + DurationText.short(m.updatedAt) + "  "
                    + padLeft("\(m.messageCount)", 5) + "  " + padLeft("\(m.turnCount)", 5) + "  "
                    + padLeft(cost(m.totalCostUSD), 9) + "  " + [tags, summary].filter { !$0.isEmpty }.joined(separator: "  "))
        }
        return lines
    }

    /// `key: value` lines for one session.
    static func details(_ m: SessionMetadata) -> [String] {
        [
            "id:        \(m.id)",
            "created:   \(DurationText.iso(m.createdAt))",
            "updated:   \(DurationText.iso(m.updatedAt))",
            "messages:  \(m.messageCount)",
            "turns:     \(m.turnCount)",
            "cost:      \(cost(m.totalCostUSD))",
            "model:     \(m.model ?? "-")",
            "tags:      \(m.tags.isEmpty ? "-" : m.tags.joined(separator: ", "))",
            "bytes:     \(m.byteSize)",
            "summary:   \(m.summary.map { clip($0, 200) } ?? "-")",
        ]
    }

    /// `success`, `error` or `incomplete`.
    static func outcome(_ outcome: SessionOutcome) -> (name: String, subtype: String?) {
        switch outcome {
        case .success: ("success", nil)
        case .error(let subtype): ("error", subtype)
        case .incomplete: ("incomplete", nil)
        }
    }
}
