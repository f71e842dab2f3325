/// Why one line or value could not be turned into a ``Message``.
public enum MessageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable identifier for each case. The raw values are part of the API.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The text is not valid JSON.
        case invalidJSON
        /// The text is valid JSON but not an object (or an array of objects, for a line).
        case notAnObject
        /// A streamed line exceeded the reader's configured maximum length.
        case lineTooLong
    }

    /// The text is not valid JSON; the parse error gives the byte offset within the line.
    case invalidJSON(JSONParseError)
    /// The JSON value is not an object; the associated value is what it is instead.
    case notAnObject(JSONValue.Kind)
    /// A line was longer than `limit` bytes (only the incremental reader has a limit).
    case lineTooLong(limit: Int)

    /// The stable code of this error.
    public var code: Code {
        switch self {
        case .invalidJSON: .invalidJSON
        case .notAnObject: .notAnObject
        case .lineTooLong: .lineTooLong
        }
    }

    /// A readable explanation.
    public var description: String {
        switch self {
        case .invalidJSON(let error): "not a message: \(error)"
        case .notAnObject(let kind): "not a message: the JSON value is \(kind.rawValue == "array" ? "an" : "a") \(kind.rawValue), not an object"
        case .lineTooLong(let limit): "line longer than the limit of \(limit) bytes"
        }
    }
}
