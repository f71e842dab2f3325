/// Encoding and decoding of a session's stored messages: compact JSON, one object per line.
enum MessageLines {
    /// The stored form of `messages`: each serialised compactly and followed by `\n`.
    static func encode(_ messages: [Message]) -> [UInt8] {
        var bytes: [UInt8] = []
        for message in messages {
            message.json.write(into: &bytes)
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
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
