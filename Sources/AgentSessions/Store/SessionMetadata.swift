import Foundation

/// What the store knows about one session without reading its messages.
///
/// Derived with the ``Session`` helper when a session is saved or appended to, and
/// kept in the in-memory index, so listing and searching never read message files.
public struct SessionMetadata: Sendable, Hashable {
    /// The session id (see `Docs/StorageFormat.md` for the rules it follows).
    public var id: String {
        get { text.id }
        set { text = Text(id: newValue, tags: text.tags, summary: text.summary, model: text.model) }
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
    public var tags: [String] {
        get { text.tags }
        set { text = Text(id: text.id, tags: newValue, summary: text.summary, model: text.model) }
    }
    /// A one-line summary: the caller's, or the first prompt (``Session/summary(_:)``).
    public var summary: String? {
        get { text.summary }
        set { text = Text(id: text.id, tags: text.tags, summary: newValue, model: text.model) }
    }
    /// The model that produced the session, if the messages name one.
    public var model: String? {
        get { text.model }
        set { text = Text(id: text.id, tags: text.tags, summary: text.summary, model: newValue) }
    }
    /// The size in bytes of the stored message file (JSON lines).
    public var byteSize: Int

    /// The id, tags, summary and model, in one shared, immutable object: copying a record (every
    /// search and list result is a copy of index records) then retains one reference, not four.
    private var text: Text

    private final class Text: Sendable {
        let id: String
        let tags: [String]
        let summary: String?
        let model: String?

        init(id: String, tags: [String], summary: String?, model: String?) {
            self.id = id
            self.tags = tags
            self.summary = summary
            self.model = model
        }
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
        text = Text(id: id, tags: tags, summary: summary, model: model)
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.messageCount = messageCount
        self.totalCostUSD = totalCostUSD
        self.turnCount = turnCount
        self.byteSize = byteSize
    }

    /// Compares every field (the shared text by value, not by identity).
    public static func == (a: SessionMetadata, b: SessionMetadata) -> Bool {
        a.createdAt == b.createdAt && a.updatedAt == b.updatedAt && a.messageCount == b.messageCount
            && a.totalCostUSD == b.totalCostUSD && a.turnCount == b.turnCount && a.byteSize == b.byteSize
            && (a.text === b.text
                || (a.id == b.id && a.tags == b.tags && a.summary == b.summary && a.model == b.model))
    }

    /// Hashes every field, consistently with ``==(_:_:)``.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(createdAt)
        hasher.combine(updatedAt)
        hasher.combine(messageCount)
        hasher.combine(totalCostUSD)
        hasher.combine(turnCount)
        hasher.combine(tags)
        hasher.combine(summary)
        hasher.combine(model)
        hasher.combine(byteSize)
    }
}
