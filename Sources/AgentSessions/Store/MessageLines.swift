import Foundation

/// Encoding and decoding of a session's stored messages: JSON, one object per line.
enum MessageLines {
    /// The stored form of `messages`: each serialised compactly and followed by `\n`.
    static func encode(_ messages: [Message]) -> [UInt8] {
        var writer = JSONWriter(capacity: 16 * 1024)  // one writer for all lines (it grows as needed), one final copy
        for message in messages { writer.writeLine(message.json) }
        return writer.bytes()
    }

    /// Whether `text`, which parsed into `messageCount` messages, is already in the stored form,
    /// so a save can keep it byte for byte instead of re-encoding the messages: it ends with `\n`,
    /// every line starts with `{` (no blank lines, no byte-order mark, no leading whitespace, no
    /// array lines), and it has one line per message (not one object spread over several lines,
    /// which the reader accepts as a whole document).
    static func isStoredForm(_ text: [UInt8], messageCount: Int) -> Bool {
        guard text.first == UInt8(ascii: "{"), text.last == UInt8(ascii: "\n") else { return false }
        return text.withUnsafeBytes { raw in
            let base = raw.baseAddress!
            var position = 0, lines = 0
            while let newline = memchr(base + position, 0x0A, raw.count - position) {
                position = base.distance(to: UnsafeRawPointer(newline)) + 1
                lines += 1
                if position == raw.count { return lines == messageCount }
                if raw[position] != UInt8(ascii: "{") { return false }
            }
            return false
        }
    }

    /// Rejects messages that could be stored but not read back: nesting deeper than
    /// ``JSONValue/maximumNestingDepth`` (the parser's limit) and non-finite numbers (JSON has no
    /// NaN or infinity). Messages parsed from text already pass; this guards values built in code.
    /// - Throws: ``StoreError/invalidMessage(id:index:reason:)`` naming the first bad message.
    static func validate(_ messages: [Message], id: String) throws(StoreError) {
        func problem(_ value: JSONValue, depth: Int) -> String? {
            switch value {
            case .double(let number) where !number.isFinite:
                return "it holds the non-finite number \(number), which JSON cannot represent"
            case .array(let items):
                if depth >= JSONValue.maximumNestingDepth { return "it is nested deeper than \(JSONValue.maximumNestingDepth) levels" }
                for item in items { if let found = problem(item, depth: depth + 1) { return found } }
            case .object(let object):
                if depth >= JSONValue.maximumNestingDepth { return "it is nested deeper than \(JSONValue.maximumNestingDepth) levels" }
                for member in object { if let found = problem(member.value, depth: depth + 1) { return found } }
            default:
                break
            }
            return nil
        }
        for (index, message) in messages.enumerated() {
            if let reason = problem(message.json, depth: 0) { throw .invalidMessage(id: id, index: index, reason: reason) }
        }
    }

    /// Decodes stored lines; a line that fails is reported as corruption of `id`'s file.
    static func decode(_ bytes: [UInt8], id: String, path: String) throws(StoreError) -> [Message] {
        do {
            return try MessageReader.read(bytes, mode: .strict).messages
        } catch {
            throw .corrupted(path: "\(path)/sessions/\(id).jsonl", reason: "\(error)", quarantinedAt: nil)
        }
    }
}
