import Foundation

/// What the store knows about one session without reading its messages.
///
/// Derived with the ``Session`` helper when a session is saved or appended to, and
/// kept in the in-memory index, so listing and searching never read message files.
public struct SessionMetadata: Sendable, Hashable {
    /// The session id (see `Docs/StorageFormat.md` for the rules it follows).
    public var id: String
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
    public var summary: String?
    /// The model that produced the session, if the messages name one.
    public var model: String?
    /// The size in bytes of the stored message file (JSON lines).
    public var byteSize: Int

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
        self.id = id
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.messageCount = messageCount
        self.totalCostUSD = totalCostUSD
        self.turnCount = turnCount
        self.tags = tags
        self.summary = summary
        self.model = model
        self.byteSize = byteSize
    }
}
