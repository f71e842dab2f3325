/// A line of a stream that was skipped in lenient mode, and why.
public struct BadLine: Sendable, Hashable, CustomStringConvertible {
    /// The 1-based line number (blank lines count).
    public var lineNumber: Int
    /// The zero-based byte offset of the line's first byte in the stream.
    public var byteOffset: Int
    /// Why the line is not a message.
    public var reason: MessageError

    /// Creates a bad-line report.
    ///
    /// - Parameters:
    ///   - lineNumber: The 1-based line number.
    ///   - byteOffset: The offset of the line's first byte.
    ///   - reason: Why the line was rejected.
    public init(lineNumber: Int, byteOffset: Int, reason: MessageError) {
        self.lineNumber = lineNumber
        self.byteOffset = byteOffset
        self.reason = reason
    }

    /// "line N (byte B): reason".
    public var description: String { "line \(lineNumber) (byte \(byteOffset)): \(reason)" }
}
