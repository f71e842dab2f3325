/// Turns one line of a stream into messages; shared by ``MessageReader`` and
/// ``MessageStream``.
///
/// A line holding a JSON object is one message. A line holding a JSON array whose
/// elements are all objects is several messages: that is how newer CLIs print
/// `--output-format json`. A line of only whitespace (space, tab, `\r`) is blank.
struct MessageLineDecoder: ~Copyable {
    enum Outcome {
        case blank
        case message(Message)
        case messages([Message])
        case bad(MessageError)
    }

    private var parser = JSONParser()

    init() {}

    /// Decodes a line without its `\n` (a trailing `\r` is allowed).
    mutating func decode(_ line: UnsafeRawBufferPointer) -> Outcome {
        var isBlank = true
        for byte in line where !(byte == 0x20 || byte == 0x09 || byte == 0x0D) {
            isBlank = false
            break
        }
        if isBlank { return .blank }
        var bytes = line
        if bytes.last == 0x0D { bytes = UnsafeRawBufferPointer(rebasing: bytes.dropLast()) }
        let value: JSONValue
        do {
            value = try parser.parse(bytes)
        } catch {
            return .bad(.invalidJSON(error))
        }
        return Self.messages(from: value)
    }

    static func messages(from value: JSONValue) -> Outcome {
        switch value {
        case .object(let object):
            return .message(Message(object: object))
        case .array(let elements):
            var messages: [Message] = []
            messages.reserveCapacity(elements.count)
            for element in elements {
                guard case .object(let object) = element else { return .bad(.notAnObject(.array)) }
                messages.append(Message(object: object))
            }
            return .messages(messages)
        default:
            return .bad(.notAnObject(value.kind))
        }
    }
}
