/// The outcome of reading a whole stream with ``MessageReader``.
public struct MessageReadResult: Sendable, Hashable {
    /// The messages, in stream order.
    public var messages: [Message]
    /// The lines skipped in lenient mode, in stream order (always empty in strict mode).
    public var badLines: [BadLine]

    /// Creates a result.
    ///
    /// - Parameters:
    ///   - messages: The messages read.
    ///   - badLines: The lines skipped.
    public init(messages: [Message], badLines: [BadLine]) {
        self.messages = messages
        self.badLines = badLines
    }
}
