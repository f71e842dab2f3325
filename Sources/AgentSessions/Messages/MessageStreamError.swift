/// Why reading a stream of messages failed.
public enum MessageStreamError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable identifier for each case. The raw values are part of the API.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// A line is not a message (strict mode only).
        case badLine
        /// The file or descriptor could not be read.
        case readFailed
    }

    /// In strict mode, the first line that is not a message.
    case badLine(lineNumber: Int, reason: MessageError)
    /// Reading failed; `path` is nil for a descriptor or pipe.
    case readFailed(path: String?, reason: String)

    /// The stable code of this error.
    public var code: Code {
        switch self {
        case .badLine: .badLine
        case .readFailed: .readFailed
        }
    }

    /// The 1-based line number, for ``badLine(lineNumber:reason:)``.
    public var lineNumber: Int? {
        if case .badLine(let lineNumber, _) = self { return lineNumber }
        return nil
    }

    /// A readable explanation naming the line or the path.
    public var description: String {
        switch self {
        case .badLine(let lineNumber, let reason): "line \(lineNumber): \(reason)"
        case .readFailed(let path, let reason): "cannot read \(path ?? "the stream"): \(reason)"
        }
    }
}
