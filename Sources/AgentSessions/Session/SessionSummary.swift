import Foundation

/// Everything ``Session`` derives from a message list, computed in one pass by
/// ``Session/summarize(_:)``.
public struct SessionSummary: Sendable, Hashable {
    /// See ``Session/extractSessionID(_:)``.
    public var sessionID: String?
    /// The number of messages.
    public var messageCount: Int
    /// See ``Session/calculateCost(_:)``.
    public var costUSD: Double
    /// See ``Session/countTurns(_:)``.
    public var turns: TurnCounts
    /// See ``Session/model(_:)``.
    public var model: String?
    /// See ``Session/summary(_:)``.
    public var summary: String?
    /// See ``Session/usage(_:)``.
    public var usage: TokenUsage
    /// See ``Session/duration(_:)``.
    public var durationMS: Int?
    /// See ``Session/outcome(_:)``.
    public var outcome: SessionOutcome
    /// The `timestamp` of the first message that has one (transcripts).
    public var firstTimestamp: Date?
    /// The `timestamp` of the last message that has one (transcripts).
    public var lastTimestamp: Date?

    /// Creates a summary.
    ///
    /// - Parameters:
    ///   - sessionID: The session id.
    ///   - messageCount: The number of messages.
    ///   - costUSD: The total cost.
    ///   - turns: The turn counts.
    ///   - model: The model.
    ///   - summary: The short description.
    ///   - usage: The token totals.
    ///   - durationMS: The duration.
    ///   - outcome: The outcome.
    ///   - firstTimestamp: The first timestamp.
    ///   - lastTimestamp: The last timestamp.
    public init(
        sessionID: String?, messageCount: Int, costUSD: Double, turns: TurnCounts, model: String?,
        summary: String?, usage: TokenUsage, durationMS: Int?, outcome: SessionOutcome,
        firstTimestamp: Date? = nil, lastTimestamp: Date? = nil
    ) {
        self.sessionID = sessionID
        self.messageCount = messageCount
        self.costUSD = costUSD
        self.turns = turns
        self.model = model
        self.summary = summary
        self.usage = usage
        self.durationMS = durationMS
        self.outcome = outcome
        self.firstTimestamp = firstTimestamp
        self.lastTimestamp = lastTimestamp
    }
}
