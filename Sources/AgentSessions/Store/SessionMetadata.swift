import Foundation

/// What the store knows about one session without reading its messages.
///
/// Derived with the ``Session`` helper when a session is saved or appended to, and
/// kept in the in-memory index, so listing and searching never read message files.
///
/// A value type holding one reference: its fields live in an immutable box, so a record is one
/// word and copying it (every search and list result is a copy of the index's records) retains
/// one reference and moves 8 bytes. Setting a field makes a new box.
public struct SessionMetadata: Sendable, Hashable, CustomReflectable {
    /// The session id (see `Docs/StorageFormat.md` for the rules it follows).
    public var id: String {
        get { box.fields.id }
        set { update { $0.id = newValue } }
    }
    /// When the session was first saved. A later save of the same id keeps it.
    public var createdAt: Date {
        get { box.fields.createdAt }
        set { update { $0.createdAt = newValue } }
    }
    /// When the session was last saved, appended to, or re-tagged.
    public var updatedAt: Date {
        get { box.fields.updatedAt }
        set { update { $0.updatedAt = newValue } }
    }
    /// The number of stored messages.
    public var messageCount: Int {
        get { box.fields.messageCount }
        set { update { $0.messageCount = newValue } }
    }
    /// The total cost in USD: for each agent process in the session (each `system`/`init` line
    /// starts one), its last `result`'s cost (``Session/calculateCost(_:)``), summed; so a session
    /// resumed twice counts all three runs.
    public var totalCostUSD: Double {
        get { box.fields.totalCostUSD }
        set { update { $0.totalCostUSD = newValue } }
    }
    /// The number of `assistant` messages (``Session/countTurns(_:)``'s `assistantMessages`).
    public var turnCount: Int {
        get { box.fields.turnCount }
        set { update { $0.turnCount = newValue } }
    }
    /// The session's tags: distinct, sorted.
    public var tags: [String] {
        get { box.fields.tags }
        set { update { $0.tags = newValue } }
    }
    /// A one-line summary: the caller's, or the first prompt (``Session/summary(_:)``).
    public var summary: String? {
        get { box.fields.summary }
        set { update { $0.summary = newValue } }
    }
    /// The model that produced the session, if the messages name one.
    public var model: String? {
        get { box.fields.model }
        set { update { $0.model = newValue } }
    }
    /// The size in bytes of the stored message file (JSON lines).
    public var byteSize: Int {
        get { box.fields.byteSize }
        set { update { $0.byteSize = newValue } }
    }

    /// The record's fields, as stored in the box.
    struct Fields: Sendable, Hashable {
        var id: String
        var createdAt: Date
        var updatedAt: Date
        var messageCount: Int
        var totalCostUSD: Double
        var turnCount: Int
        var tags: [String]
        var summary: String?
        var model: String?
        var byteSize: Int
    }

    /// The shared box: never changed once made.
    private final class Box: Sendable {
        let fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private var box: Box

    /// Changes several fields with one new box (each setter makes its own).
    mutating func update(_ change: (inout Fields) -> Void) {
        var fields = box.fields
        change(&fields)
        box = Box(fields)
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
        box = Box(Fields(
            id: id, createdAt: createdAt, updatedAt: updatedAt, messageCount: messageCount, totalCostUSD: totalCostUSD,
            turnCount: turnCount, tags: tags, summary: summary, model: model, byteSize: byteSize))
    }

    /// Creates a record holding `fields` as they are (tags already distinct and sorted).
    init(_ fields: Fields) { box = Box(fields) }

    /// Whether both records hold the same fields (or share one box: a record with a NaN cost
    /// equals its own copies, though not a record built apart with the same fields).
    public static func == (a: SessionMetadata, b: SessionMetadata) -> Bool {
        a.box === b.box || a.box.fields == b.box.fields
    }

    /// Hashes every field.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(box.fields)
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
