import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a complete stream of messages from memory or a file.
///
/// Accepted input:
/// - **JSON Lines** (`--output-format stream-json`, and transcripts under
///   `~/.claude/projects`): one JSON object per line. Lines end with `\n` or
///   `\r\n`; the last line may lack its newline; lines may be of any length.
///   Blank lines are skipped in both modes (they still count for line numbers).
///   A line holding a JSON array of objects yields each object as a message.
/// - **`--output-format json`**: a single result object, or (newer CLIs) an array
///   of messages. When the input starts with `[` (after whitespace) and the whole
///   input is one JSON array of objects, possibly pretty-printed over many lines,
///   its elements are the messages. A pretty-printed single object is accepted
///   the same way when its first line is not valid JSON on its own.
///
/// A UTF-8 byte-order mark at the very start is skipped. Byte offsets count from
/// the first byte of the input (the mark included).
public enum MessageReader {
    /// Reads every message from `bytes`.
    ///
    /// - Parameters:
    ///   - bytes: The whole stream.
    ///   - mode: ``MessageParsingMode/strict`` throws at the first bad line;
    ///     ``MessageParsingMode/lenient`` skips and reports bad lines.
    /// - Returns: The messages and, in lenient mode, the bad lines.
    /// - Throws: ``MessageStreamError/badLine(lineNumber:reason:)`` in strict mode.
    public static func read(_ bytes: [UInt8], mode: MessageParsingMode) throws(MessageStreamError) -> MessageReadResult {
        try read(contiguous: bytes, mode: mode)
    }

    /// Reads every message from `data`.
    ///
    /// - Parameters:
    ///   - data: The whole stream.
    ///   - mode: Strict or lenient handling of bad lines.
    /// - Returns: The messages and, in lenient mode, the bad lines.
    /// - Throws: ``MessageStreamError/badLine(lineNumber:reason:)`` in strict mode.
    public static func read(_ data: Data, mode: MessageParsingMode) throws(MessageStreamError) -> MessageReadResult {
        try read(contiguous: data, mode: mode)
    }

    /// The one read behind the `[UInt8]` and `Data` entry points.
    private static func read<Bytes: ContiguousBytes>(contiguous bytes: Bytes, mode: MessageParsingMode) throws(MessageStreamError) -> MessageReadResult {
        let result: Result<MessageReadResult, MessageStreamError> = bytes.withUnsafeBytes { raw in
            Result { () throws(MessageStreamError) -> MessageReadResult in try read(buffer: raw, mode: mode) }
        }
        return try result.get()
    }

    /// Reads every message of a file.
    ///
    /// - Parameters:
    ///   - url: A file URL.
    ///   - mode: Strict or lenient handling of bad lines.
    /// - Returns: The messages and, in lenient mode, the bad lines.
    /// - Throws: ``MessageStreamError/readFailed(path:reason:)`` when the file cannot
    ///   be read; ``MessageStreamError/badLine(lineNumber:reason:)`` in strict mode.
    public static func read(contentsOf url: URL, mode: MessageParsingMode) throws(MessageStreamError) -> MessageReadResult {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .readFailed(path: url.path, reason: "\(error)")
        }
        return try read(data, mode: mode)
    }

    /// Reads every message from raw bytes (the common implementation).
    ///
    /// - Parameters:
    ///   - buffer: The whole stream.
    ///   - mode: Strict or lenient handling of bad lines.
    /// - Returns: The messages and, in lenient mode, the bad lines.
    /// - Throws: ``MessageStreamError/badLine(lineNumber:reason:)`` in strict mode.
    public static func read(buffer: UnsafeRawBufferPointer, mode: MessageParsingMode) throws(MessageStreamError) -> MessageReadResult {
        var start = 0
        if buffer.count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { start = 3 }
        var decoder = MessageLineDecoder()
        let firstByte = buffer[start...].first { !(0x20 == $0 || 0x09 == $0 || 0x0A == $0 || 0x0D == $0) }
        if firstByte == UInt8(ascii: "["), let messages = wholeDocument(buffer, from: start) {
            return MessageReadResult(messages: messages, badLines: [])
        }
        var messages: [Message] = []
        var badLines: [BadLine] = []
        var lineNumber = 0
        var lineStart = start
        let end = buffer.count
        while lineStart < end {
            lineNumber += 1
            let lineEnd: Int
            if let newline = memchr(buffer.baseAddress! + lineStart, 0x0A, end - lineStart) {
                lineEnd = buffer.baseAddress!.distance(to: UnsafeRawPointer(newline))
            } else {
                lineEnd = end
            }
            let line = UnsafeRawBufferPointer(rebasing: buffer[lineStart..<lineEnd])
            switch decoder.decode(line) {
            case .blank:
                break
            case .message(let message):
                messages.append(message)
            case .messages(let more):
                messages.append(contentsOf: more)
            case .bad(let reason):
                if lineNumber == 1 && firstByte == UInt8(ascii: "{"), let whole = wholeDocument(buffer, from: start) {
                    return MessageReadResult(messages: whole, badLines: [])
                }
                switch mode {
                case .strict: throw .badLine(lineNumber: lineNumber, reason: reason)
                case .lenient: badLines.append(BadLine(lineNumber: lineNumber, byteOffset: lineStart, reason: reason))
                }
            }
            lineStart = lineEnd + 1
        }
        return MessageReadResult(messages: messages, badLines: badLines)
    }

    /// The messages of a whole-input JSON document (an object or an array of
    /// objects), or nil when the input is not one.
    private static func wholeDocument(_ buffer: UnsafeRawBufferPointer, from start: Int) -> [Message]? {
        var parser = JSONParser()
        guard let value = try? parser.parse(UnsafeRawBufferPointer(rebasing: buffer[start...])) else { return nil }
        switch MessageLineDecoder.messages(from: value) {
        case .message(let message): return [message]
        case .messages(let messages): return messages
        default: return nil
        }
    }
}
