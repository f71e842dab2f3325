import Foundation

/// What the store knows about one session without reading its messages.
///
/// Derived with the ``Session`` helper when a session is saved or appended to, and
/// kept in the in-memory index, so listing and searching never read message files.
///
/// A value type. Its dates, numbers and tags are stored inline; its id, summary and model share
/// one immutable box, so that copying a record (every search and list result is a copy of the
/// index's) retains two references instead of four. Setting one of those three makes a new box.
/// The fields that filters read for every candidate (dates, cost, tags) stay inline: behind the
/// box, each candidate would cost one more pointer to follow.
public struct SessionMetadata: Sendable, Hashable, CustomReflectable {
    /// The session id (see `Docs/StorageFormat.md` for the rules it follows).
    public var id: String {
        get { names.fields.id }
        set { updateNames { $0.id = newValue } }
    }
    /// When the session was first saved. A later save of the same id keeps it.
    public var createdAt: Date
    /// When the session was last saved, appended to, or re-tagged.
    public var updatedAt: Date
    /// The number of stored messages.
    public var messageCount: Int
    /// The total cost in USD: for each agent process in the session (each `system`/`init` line
    /// starts one), its last `result`'s cost (``Session/calculateCost(_:)``), summed; so a session
    /// resumed twice counts all three runs.
    public var totalCostUSD: Double
    /// The number of `assistant` messages (``Session/countTurns(_:)``'s `assistantMessages`).
    public var turnCount: Int
    /// The session's tags: distinct, sorted.
    public var tags: [String]
    /// A one-line summary: the caller's, or the first prompt (``Session/summary(_:)``).
    public var summary: String? {
        get { names.fields.summary }
        set { updateNames { $0.summary = newValue } }
    }
    /// The model that produced the session, if the messages name one.
    public var model: String? {
        get { names.fields.model }
        set { updateNames { $0.model = newValue } }
    }
    /// The size in bytes of the stored message file (JSON lines).
    public var byteSize: Int

    /// The strings kept in the box.
    private struct NameFields: Sendable, Hashable {
        var id: String
        var summary: String?
        var model: String?
    }

    /// The shared box of the reference-counted fields: never changed once made.
    private final class Names: Sendable {
        let fields: NameFields
        init(_ fields: NameFields) { self.fields = fields }
    }

    private var names: Names

    private mutating func updateNames(_ change: (inout NameFields) -> Void) {
        var fields = names.fields
        change(&fields)
        names = Names(fields)
    }

    /// Creates a metadata record. Tags are deduplicated and sorted.
    public init(
        id: String, createdAt: Date, updatedAt: Date, messageCount: Int, totalCostUSD: Double,
        turnCount: Int, tags: [String], summary: String?, model: String?, byteSize: Int
    ) {
        self.init(
            id: id, createdAt: createdAt, updatedAt: updatedAt, messageCount: messageCount, totalCostUSD: totalCostUSD,
            turnCount: turnCount, sortedTags: Array(Set(tags)).sorted(), summary: summary, model: model, byteSize: byteSize)
    }

    /// Creates a record whose tags are already distinct and sorted (read back from the store's own files).
    init(
        id: String, createdAt: Date, updatedAt: Date, messageCount: Int, totalCostUSD: Double,
        turnCount: Int, sortedTags tags: [String], summary: String?, model: String?, byteSize: Int
    ) {
        names = Names(NameFields(id: id, summary: summary, model: model))
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.messageCount = messageCount
        self.totalCostUSD = totalCostUSD
        self.turnCount = turnCount
        self.tags = tags
        self.byteSize = byteSize
    }

    /// Whether both records hold the same fields.
    public static func == (a: SessionMetadata, b: SessionMetadata) -> Bool {
        a.createdAt == b.createdAt && a.updatedAt == b.updatedAt && a.messageCount == b.messageCount
            && a.totalCostUSD == b.totalCostUSD && a.turnCount == b.turnCount && a.byteSize == b.byteSize && a.tags == b.tags
            && (a.names === b.names || a.names.fields == b.names.fields)
    }

    /// Hashes every field.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(names.fields)
        hasher.combine(createdAt)
        hasher.combine(updatedAt)
        hasher.combine(messageCount)
        hasher.combine(totalCostUSD)
        hasher.combine(turnCount)
        hasher.combine(tags)
        hasher.combine(byteSize)
    }

    /// The fields, so that printing a record (and a failed test's message) shows them, not the box.
    public var customMirror: Mirror {
        Mirror(self, children: [
            "id": id, "createdAt": createdAt, "updatedAt": updatedAt, "messageCount": messageCount,
            "totalCostUSD": totalCostUSD, "turnCount": turnCount, "tags": tags, "summary": summary as Any,
            "model": model as Any, "byteSize": byteSize,
        ], displayStyle: .struct)
    }
}
