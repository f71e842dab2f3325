import Foundation

/// Encoding and decoding of a session's stored messages: JSON, one object per line.
enum MessageLines {
    /// The stored form of `messages`: each serialised compactly and followed by `\n`.
    /// A loaded message keeps its stored text, which is written as it is.
    static func encode(_ messages: [Message]) -> [UInt8] {
        var writer = JSONWriter(capacity: 16 * 1024)  // one writer for all lines (it grows as needed), one final copy
        for message in messages {
            if let text = message.storedText { writer.writeLine(raw: text) } else { writer.writeLine(message.json) }
        }
        return writer.bytes()
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

    /// The messages of a session's stored lines, each checked to be one JSON object (as the parser
    /// would accept it) but kept as text: loads do not build JSON trees, and the cache holds text.
    /// A file that is not in the stored form but that ``MessageReader`` reads (one adopted without
    /// metadata: blank lines, a byte-order mark, ...) gives decoded messages instead.
    /// - Throws: ``StoreError/corrupted(path:reason:quarantinedAt:)`` naming the file and the
    ///   first bad line, when neither reading accepts it.
    static func decode(_ bytes: [UInt8], id: String, path: String) throws(StoreError) -> [Message] {
        var messages: [Message] = []
        let failure = validateLines(bytes) { range, _, _ in messages.append(Message(validatedText: bytes[range])) }
        if let failure {
            // A file the store adopted without metadata may hold what the message reader accepts
            // but the stored form does not (blank lines, a byte-order mark, a document over several
            // lines): read it that way, decoded, before calling it damaged.
            if let read = try? MessageReader.read(bytes, mode: .strict).messages { return read }
            throw .corrupted(path: "\(path)/sessions/\(id).jsonl", reason: "line \(failure.line): \(failure.reason)", quarantinedAt: nil)
        }
        return messages
    }

    /// Checks each line of `bytes` (as ``forEachLine(_:_:)`` splits them) to be one JSON object
    /// as the parser accepts it, calling `body` with each valid line's range, its text and the
    /// top-level members `first` and `second` as the validator located them
    /// (``JSONParser/validate(_:capturing:_:)``). Stops at the first line that is not.
    /// - Returns: that line's number and what is wrong with it; `nil` when every line is valid.
    static func validateLines(
        _ bytes: [UInt8], capturing first: StaticString = "type", _ second: StaticString = "type",
        _ body: (Range<Int>, UnsafeRawBufferPointer, (JSONParser.Member, JSONParser.Member)) -> Void
    ) -> (line: Int, reason: String)? {
        var parser = JSONParser()
        var failure: (line: Int, reason: String)?
        bytes.withUnsafeBytes { raw in
            forEachLine(bytes) { number, range in
                let line = UnsafeRawBufferPointer(rebasing: raw[range])
                guard line.first == UInt8(ascii: "{") else {
                    failure = (number, line.isEmpty ? "blank line" : "not a JSON object")
                    return false
                }
                do throws(JSONParseError) {
                    body(range, line, try parser.validate(line, capturing: first, second))
                    return true
                } catch {
                    failure = (number, "\(error)")
                    return false
                }
            }
        }
        return failure
    }

    /// The messages of lines this store has just validated or written (no check).
    static func messages(ofStored bytes: [UInt8]) -> [Message] {
        var messages: [Message] = []
        forEachLine(bytes) { _, range in
            messages.append(Message(validatedText: bytes[range]))
            return true
        }
        return messages
    }

    /// Calls `body` with the 1-based number and the byte range of each `\n`-terminated line
    /// (without its newline and trailing `\r` or spaces) until it returns false. A last line
    /// without a newline counts too.
    static func forEachLine(_ bytes: [UInt8], _ body: (Int, Range<Int>) -> Bool) {
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var start = 0, number = 1
            while start < raw.count {
                let newline = memchr(base + start, 0x0A, raw.count - start)
                let stop = newline.map { base.distance(to: UnsafeRawPointer($0)) } ?? raw.count
                var last = stop
                while last > start, raw[last - 1] == 0x0D || raw[last - 1] == 0x20 || raw[last - 1] == 0x09 { last -= 1 }
                guard body(number, start..<last) else { return }
                start = stop + 1
                number += 1
            }
        }
    }
}
