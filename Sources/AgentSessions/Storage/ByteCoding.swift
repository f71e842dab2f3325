import Foundation

/// Little-endian binary encoding of the store's own records (journal headers, snapshot).
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func f64(_ value: Double) { u64(value.bitPattern) }
    mutating func string(_ value: String) {
        u32(UInt32(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }
    mutating func optionalString(_ value: String?) {
        if let value { u8(1); string(value) } else { u8(0) }
    }

    mutating func metadata(_ m: SessionMetadata) {
        string(m.id)
        // Date stores seconds since 2001; converting through 1970 could change the last bit.
        f64(m.createdAt.timeIntervalSinceReferenceDate)
        f64(m.updatedAt.timeIntervalSinceReferenceDate)
        u64(UInt64(m.messageCount))
        f64(m.totalCostUSD)
        u64(UInt64(m.turnCount))
        u64(UInt64(m.byteSize))
        u32(UInt32(m.tags.count))
        for tag in m.tags { string(tag) }
        optionalString(m.summary)
        optionalString(m.model)
    }
}

/// Reads what ``ByteWriter`` wrote; every read checks bounds and throws on a short input.
struct ByteReader {
    struct Truncated: Error {}
    let bytes: [UInt8]
    var position: Int
    let end: Int

    init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        self.position = start
        self.end = end ?? bytes.count
    }

    mutating func u8() throws(Truncated) -> UInt8 {
        guard position < end else { throw Truncated() }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func u32() throws(Truncated) -> UInt32 {
        guard end - position >= 4 else { throw Truncated() }
        let at = position
        position += 4
        return UInt32(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt32.self) })
    }

    mutating func u64() throws(Truncated) -> UInt64 {
        guard end - position >= 8 else { throw Truncated() }
        let at = position
        position += 8
        return UInt64(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt64.self) })
    }

    mutating func f64() throws(Truncated) -> Double { Double(bitPattern: try u64()) }

    /// A u64 that must fit `Int` (a count or size): damaged bytes throw instead of trapping.
    mutating func int() throws(Truncated) -> Int {
        guard let value = Int(exactly: try u64()) else { throw Truncated() }
        return value
    }

    mutating func string() throws(Truncated) -> String {
        let count = Int(try u32())
        guard end - position >= count else { throw Truncated() }
        defer { position += count }
        return String(decoding: bytes[position..<position + count], as: UTF8.self)
    }

    mutating func optionalString() throws(Truncated) -> String? {
        try u8() == 0 ? nil : try string()
    }

    mutating func metadata() throws(Truncated) -> SessionMetadata {
        let id = try string()
        let created = try f64(), updated = try f64()
        let count = try int()
        let cost = try f64()
        let turns = try int()
        let size = try int()
        let tagCount = Int(try u32())
        guard tagCount <= end - position else { throw Truncated() }
        var tags: [String] = []
        tags.reserveCapacity(tagCount)
        for _ in 0..<tagCount { tags.append(try string()) }
        let summary = try optionalString(), model = try optionalString()
        return SessionMetadata(
            id: id, createdAt: Date(timeIntervalSinceReferenceDate: created), updatedAt: Date(timeIntervalSinceReferenceDate: updated),
            messageCount: count, totalCostUSD: cost, turnCount: turns, tags: tags, summary: summary,
            model: model, byteSize: size)
    }
}
