/// What can be derived from a session's messages; mirrors the Elixir `Session`
/// module and goes beyond it.
///
/// Every function takes the messages in stream order and accepts both formats
/// (stream-json and `~/.claude/projects` transcripts). ``summarize(_:)`` computes
/// all answers in one pass; the single-answer functions are conveniences.
public enum Session {
    /// The longest ``summary(_:)``, in `Character`s.
    public static let summaryLength = 200

    /// The session id: from the first `system` message that has one; when there is
    /// none, from the first message of any kind that carries one (`session_id` or
    /// `sessionId`); nil if none.
    ///
    /// - Parameter messages: The messages in order.
    public static func extractSessionID(_ messages: some Sequence<Message>) -> String? {
        var fallback: String?
        for message in messages {
            guard let id = message.sessionID else { continue }
            if message.type == "system" { return id }
            if fallback == nil { fallback = id }
        }
        return fallback
    }

    /// The total cost in USD: the cost of the **last** `result` message
    /// (`total_cost_usd`, falling back to `cost_usd`, then `total_cost`); 0 when
    /// there is no result.
    ///
    /// The last and not the first, because the CLI's cost is cumulative over the
    /// process: when one process emits several results (a resumed or continued
    /// conversation, or a stream that is appended to), each result's cost already
    /// includes the earlier ones, so summing would double count and the first
    /// would under count.
    ///
    /// - Parameter messages: The messages in order.
    public static func calculateCost(_ messages: some Sequence<Message>) -> Double {
        lastResult(messages)?.totalCostUSD ?? 0
    }

    /// The three turn counts (assistant lines, distinct API messages, the result's
    /// `num_turns`); see ``TurnCounts``.
    ///
    /// - Parameter messages: The messages in order.
    public static func countTurns(_ messages: some Sequence<Message>) -> TurnCounts {
        summarize(messages).turns
    }

    /// The model: the `model` of the first `system` message that has one, else the
    /// `message.model` of the first assistant message; nil if none.
    ///
    /// - Parameter messages: The messages in order.
    public static func model(_ messages: some Sequence<Message>) -> String? {
        summarize(messages).model
    }

    /// A short description: the text of the first `user` message that has text
    /// (the prompt; tool results are not text), or else the first assistant text;
    /// whitespace-trimmed and cut at ``summaryLength`` characters on a `Character`
    /// boundary (never inside an emoji or a combining sequence). Nil when there is
    /// no text.
    ///
    /// - Parameter messages: The messages in order.
    public static func summary(_ messages: some Sequence<Message>) -> String? {
        summarize(messages).summary
    }

    /// Token totals over assistant messages, counting each API message once: the
    /// lines of a split response (same `message.id`) repeat its usage, so the last
    /// line's usage per id is used. Assistant lines without an id are each counted.
    /// The result's own `usage` is not added (it would double count).
    ///
    /// - Parameter messages: The messages in order.
    public static func usage(_ messages: some Sequence<Message>) -> TokenUsage {
        summarize(messages).usage
    }

    /// `duration_ms` of the last `result` message; nil when there is none.
    ///
    /// - Parameter messages: The messages in order.
    public static func duration(_ messages: some Sequence<Message>) -> Int? {
        lastResult(messages)?.durationMS
    }

    /// How the session ended, from the last `result` message; see ``SessionOutcome``.
    ///
    /// - Parameter messages: The messages in order.
    public static func outcome(_ messages: some Sequence<Message>) -> SessionOutcome {
        lastResult(messages).map(SessionOutcome.classify(result:)) ?? .incomplete
    }

    /// All of the above in one pass over the messages (cheap enough to run on every save).
    ///
    /// - Parameter messages: The messages in order.
    public static func summarize(_ messages: some Sequence<Message>) -> SessionSummary {
        var accumulator = SessionAccumulator()
        for message in messages { accumulator.add(message) }
        return accumulator.summary
    }

    /// All of the above in one pass over an array of messages (the same answers as
    /// the `Sequence` version; this overload borrows the elements instead of
    /// copying each one, which matters for a store that summarises on every save).
    ///
    /// - Parameter messages: The messages in order.
    public static func summarize(_ messages: [Message]) -> SessionSummary {
        var accumulator = SessionAccumulator()
        for index in messages.indices { accumulator.add(messages[index]) }
        return accumulator.summary
    }

    static func lastResult(_ messages: some Sequence<Message>) -> Message? {
        var last: Message?
        for message in messages where message.type == "result" { last = message }
        return last
    }

    /// Trims whitespace and keeps at most ``summaryLength`` characters, walking
    /// only the characters it keeps (never the whole text).
    static func shorten(_ text: String) -> String {
        guard let start = text.firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let end = text.index(start, offsetBy: summaryLength, limitedBy: text.endIndex) ?? text.endIndex
        var kept = text[start..<end]
        while let last = kept.last, last.isWhitespace { kept = kept.dropLast() }
        return String(kept)
    }
}
