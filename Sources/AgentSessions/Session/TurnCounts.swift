/// The three different "turn" counts of a session; they usually differ.
public struct TurnCounts: Sendable, Hashable {
    /// The number of `assistant` lines: the Elixir original's definition of a
    /// turn. One API response is often split over several assistant lines (one per
    /// content block), so this over-counts API calls.
    public var assistantMessages: Int
    /// The number of distinct API messages: distinct `message.id` values of
    /// assistant lines (an assistant line without an id counts as its own API
    /// message).
    public var apiMessages: Int
    /// `num_turns` as reported by the last `result` line (the CLI's own count of
    /// conversation turns), or nil when there is no result.
    public var reportedTurns: Int?

    /// Creates turn counts.
    ///
    /// - Parameters:
    ///   - assistantMessages: Assistant lines.
    ///   - apiMessages: Distinct API messages.
    ///   - reportedTurns: The result's `num_turns`.
    public init(assistantMessages: Int, apiMessages: Int, reportedTurns: Int?) {
        self.assistantMessages = assistantMessages
        self.apiMessages = apiMessages
        self.reportedTurns = reportedTurns
    }
}
