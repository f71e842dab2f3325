import Foundation

/// One message of Claude Code's output: one line of `--output-format stream-json`,
/// one element of `--output-format json`, or one line of a transcript under
/// `~/.claude/projects`.
///
/// The complete original JSON object is always kept and written back unchanged by
/// ``serialized()``; unknown types and fields are never dropped. Every other property is
/// computed from ``json`` on demand, for both formats: stream-json uses snake_case
/// (`session_id`, `total_cost_usd`), transcripts use camelCase (`sessionId`, `uuid`,
/// `parentUuid`, `timestamp`).
///
/// A message built in code or parsed with `init(parsing:)` holds its decoded value. A message
/// loaded from a ``SessionStore`` holds its stored JSON text instead (checked when it was read)
/// and decodes it each time ``json`` or a typed property is read, so loading stays cheap and the
/// store's cache holds text rather than decoded trees. When you read several properties of a
/// loaded message, read ``json`` once and work with that value. Equality and hashing compare
/// the decoded values, whichever form each side holds.
public struct Message: Sendable, Hashable {
    private enum Storage: Sendable {
        case value(JSONValue)
        /// One stored line, validated as a JSON object, without its newline.
        case text(ArraySlice<UInt8>)
    }

    private let storage: Storage

    /// The original message, always a JSON object.
    ///
    /// For a message loaded from a store this decodes its stored text on every read.
    public var json: JSONValue {
        switch storage {
        case .value(let value):
            return value
        case .text(let text):
            do {
                return try text.withUnsafeBytes { (raw) throws(JSONParseError) in try JSONValue(parsing: raw) }
            } catch {
                // Unreachable: the text passed `JSONParser.validate`, which accepts what the parser does.
                assertionFailure("stored message text failed to parse: \(error)")
                return .object(JSONObject())
            }
        }
    }

    /// A message over one stored line that has already been checked to be a JSON object
    /// (``MessageLines``); `text` excludes the newline.
    init(validatedText text: ArraySlice<UInt8>) {
        storage = .text(text)
    }

    /// The stored text of a message loaded from a store, or `nil` for a decoded one.
    var storedText: ArraySlice<UInt8>? {
        if case .text(let text) = storage { return text }
        return nil
    }

    /// The same message holding its decoded value: decode a loaded message once before reading
    /// several of its properties.
    var decoded: Message {
        if case .value = storage { return self }
        return Message(object: object)
    }

    /// Whether two messages hold equal JSON values (identical stored texts are equal without decoding).
    public static func == (lhs: Message, rhs: Message) -> Bool {
        if let left = lhs.storedText, let right = rhs.storedText, left.elementsEqual(right) { return true }
        return lhs.json == rhs.json
    }

    /// Hashes the decoded JSON value, so equal messages hash alike whichever form they hold.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(json)
    }

    /// Wraps a JSON value.
    ///
    /// - Parameter json: The message; it must be an object.
    /// - Throws: ``MessageError/notAnObject(_:)`` for any other value.
    public init(json: JSONValue) throws(MessageError) {
        guard case .object = json else { throw .notAnObject(json.kind) }
        storage = .value(json)
    }

    /// Wraps a JSON object (cannot fail).
    ///
    /// - Parameter object: The message.
    public init(object: JSONObject) {
        storage = .value(.object(object))
    }

    /// Parses one line (one JSON object, without its newline).
    ///
    /// - Parameter line: The UTF-8 text of the message.
    /// - Throws: ``MessageError/invalidJSON(_:)`` or ``MessageError/notAnObject(_:)``.
    public init(parsing line: [UInt8]) throws(MessageError) {
        let value: JSONValue
        do { value = try JSONValue(parsing: line) } catch { throw .invalidJSON(error) }
        try self.init(json: value)
    }

    /// Parses one line (one JSON object, without its newline).
    ///
    /// - Parameter line: The UTF-8 text of the message.
    /// - Throws: ``MessageError/invalidJSON(_:)`` or ``MessageError/notAnObject(_:)``.
    public init(parsing line: Data) throws(MessageError) {
        let value: JSONValue
        do { value = try JSONValue(parsing: line) } catch { throw .invalidJSON(error) }
        try self.init(json: value)
    }

    /// Parses one line (one JSON object, without its newline).
    ///
    /// - Parameter line: The JSON text of the message.
    /// - Throws: ``MessageError/invalidJSON(_:)`` or ``MessageError/notAnObject(_:)``.
    public init(parsing line: String) throws(MessageError) {
        let value: JSONValue
        do { value = try JSONValue(parsing: line) } catch { throw .invalidJSON(error) }
        try self.init(json: value)
    }

    /// Parses one line (one JSON object, without its newline) from raw bytes,
    /// without copying them first.
    ///
    /// - Parameter line: The UTF-8 text of the message.
    /// - Throws: ``MessageError/invalidJSON(_:)`` or ``MessageError/notAnObject(_:)``.
    public init(parsing line: UnsafeRawBufferPointer) throws(MessageError) {
        let value: JSONValue
        do { value = try JSONValue(parsing: line) } catch { throw .invalidJSON(error) }
        try self.init(json: value)
    }

    /// The message as an object.
    public var object: JSONObject {
        if case .object(let object) = json { return object }
        return JSONObject()
    }

    /// The JSON text of the message, without a newline: compact for a decoded message, and the
    /// text exactly as stored for one loaded from a store (compact unless it was saved otherwise).
    public func serialized() -> [UInt8] {
        switch storage {
        case .value(let value): return value.serialized()
        case .text(let text): return Array(text)
        }
    }

    // MARK: - Typed access

    /// `type`: `system`, `assistant`, `user`, `result`, `stream_event`, or any other
    /// (transcripts also have `summary`, `file-history-snapshot`, ...).
    public var type: String? { json["type"]?.stringValue }

    /// `subtype` (`init` for the system message; `success`, `error_max_turns`,
    /// `error_during_execution`, ... for results).
    public var subtype: String? { json["subtype"]?.stringValue }

    /// The session id: `session_id` (stream-json) or else `sessionId` (transcripts).
    public var sessionID: String? {
        json["session_id"]?.stringValue ?? json["sessionId"]?.stringValue
    }

    /// The API message: the `message` object of assistant and user lines.
    public var apiMessage: JSONObject? { json["message"]?.objectValue }

    /// The API message id, `message.id` (shared by the lines of a split response).
    public var apiMessageID: String? { json["message"]?["id"]?.stringValue }

    /// The model: `message.model` (assistant lines) or else the top-level `model`
    /// (the system `init` line).
    public var model: String? {
        json["message"]?["model"]?.stringValue ?? json["model"]?.stringValue
    }

    /// The text of the message.
    ///
    /// For a `message.content` string, that string; for a content array, the
    /// `text` of its `type: "text"` blocks joined with `"\n"` (tool uses, tool
    /// results and thinking blocks are not text). For a `result` message without
    /// `message`, its `result` string. Otherwise "".
    public var text: String {
        if let content = json["message"]?["content"] {
            return Self.text(ofContent: content)
        }
        if type == "result", let result = json["result"]?.stringValue {
            return result
        }
        return ""
    }

    static func text(ofContent content: JSONValue) -> String {
        switch content {
        case .string(let string):
            return string
        case .array(let blocks):
            var parts: [String] = []
            for block in blocks where block["type"]?.stringValue == "text" {
                if let text = block["text"]?.stringValue { parts.append(text) }
            }
            return parts.count == 1 ? parts[0] : parts.joined(separator: "\n")
        default:
            return ""
        }
    }

    /// The `tool_use` blocks of `message.content`, in order.
    public var toolUses: [ToolUse] {
        guard let blocks = json["message"]?["content"]?.arrayValue else { return [] }
        var uses: [ToolUse] = []
        for block in blocks where block["type"]?.stringValue == "tool_use" {
            uses.append(ToolUse(
                id: block["id"]?.stringValue ?? "",
                name: block["name"]?.stringValue ?? "",
                input: block["input"] ?? .null
            ))
        }
        return uses
    }

    /// Token usage: `message.usage` (assistant lines) or else the top-level `usage`
    /// (result lines, where it covers the whole process).
    public var usage: TokenUsage? {
        if let usage = json["message"]?["usage"] { return TokenUsage(json: usage) }
        if let usage = json["usage"] { return TokenUsage(json: usage) }
        return nil
    }

    /// The cost in USD of a `result` message: `total_cost_usd`, falling back to the
    /// older `cost_usd`, then `total_cost`. Nil for other message types.
    ///
    /// The value is cumulative over the CLI process, so for a stream use the last
    /// result (``Session/calculateCost(_:)``).
    public var totalCostUSD: Double? {
        guard type == "result" else { return nil }
        return json["total_cost_usd"]?.doubleValue
            ?? json["cost_usd"]?.doubleValue
            ?? json["total_cost"]?.doubleValue
    }

    /// `is_error`, when present as a boolean. On its own it is not a reliable
    /// outcome (see ``SessionOutcome``).
    public var isError: Bool? { json["is_error"]?.boolValue }

    /// `num_turns` of a result message, as reported by the CLI.
    public var numTurns: Int? { json["num_turns"]?.intValue }

    /// `duration_ms` of a result message.
    public var durationMS: Int? { json["duration_ms"]?.intValue }

    /// `timestamp` (transcripts) parsed as ISO-8601, with or without fractional
    /// seconds, `Z` or a numeric offset; nil when absent or malformed.
    public var timestamp: Date? {
        guard let text = json["timestamp"]?.stringValue else { return nil }
        return ISO8601Timestamp.parse(text)
    }

    /// `uuid` of the line (transcripts, and newer stream-json).
    public var uuid: String? { json["uuid"]?.stringValue }

    /// `parentUuid` (transcripts): the `uuid` of the previous line in the
    /// conversation tree, or nil for a root.
    public var parentUUID: String? { json["parentUuid"]?.stringValue }
}
