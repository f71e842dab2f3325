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
///
/// It reads memory it does not own (an array's storage for the length of ``reading(_:from:to:_:)``,
/// or a mapped file), so that a snapshot is decoded straight from the page cache.
struct ByteReader {
    struct Truncated: Error {}
    let bytes: UnsafeRawBufferPointer
    var position: Int
    let end: Int

    init(_ bytes: UnsafeRawBufferPointer, from start: Int = 0, to end: Int? = nil) {
        precondition(0 <= start && start <= (end ?? bytes.count) && (end ?? bytes.count) <= bytes.count)
        self.bytes = bytes
        self.position = start
        self.end = end ?? bytes.count
    }

    /// Runs `body` with a reader over `bytes` from `start` to `end` (the whole array by default).
    static func reading<R>(
        _ bytes: [UInt8], from start: Int = 0, to end: Int? = nil, _ body: (inout ByteReader) throws(Truncated) -> R
    ) throws(Truncated) -> R {
        try bytes.withUnsafeBytes { raw in
            var reader = ByteReader(raw, from: start, to: end)
            return Result { () throws(Truncated) -> R in try body(&reader) }
        }.get()
    }

    mutating func u8() throws(Truncated) -> UInt8 {
        guard position < end else { throw Truncated() }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func u32() throws(Truncated) -> UInt32 {
        guard end - position >= 4 else { throw Truncated() }
        defer { position += 4 }
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self))
    }

    mutating func u64() throws(Truncated) -> UInt64 {
        guard end - position >= 8 else { throw Truncated() }
        defer { position += 8 }
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self))
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
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[position..<position + count]), as: UTF8.self)
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
