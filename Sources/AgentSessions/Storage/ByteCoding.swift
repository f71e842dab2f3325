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

/// CRC-32 (IEEE 802.3, reflected, as zlib computes it), used to detect torn or damaged records.
///
/// Slice-by-8: eight 256-entry tables let each step fold in eight bytes.
enum CRC32 {
    private static let tables: [[UInt32]] = {
        var first = [UInt32](repeating: 0, count: 256)
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            first[n] = c
        }
        var tables = [first]
        for k in 1..<8 {
            tables.append((0..<256).map { n in (tables[k - 1][n] >> 8) ^ first[Int(tables[k - 1][n] & 0xFF)] })
        }
        return tables
    }()
    private static let flat: [UInt32] = tables.flatMap { $0 }

    static func checksum(_ bytes: [UInt8], from start: Int, to end: Int, seed: UInt32 = 0) -> UInt32 {
        precondition(0 <= start && start <= end && end <= bytes.count)
        var crc = ~seed
        bytes.withUnsafeBytes { buffer in
            flat.withUnsafeBufferPointer { t in
                var i = start
                while end - i >= 8 {
                    let low = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: i, as: UInt32.self)) ^ crc
                    let high = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self))
                    crc = t[7 * 256 + Int(low & 0xFF)] ^ t[6 * 256 + Int((low >> 8) & 0xFF)]
                        ^ t[5 * 256 + Int((low >> 16) & 0xFF)] ^ t[4 * 256 + Int(low >> 24)]
                        ^ t[3 * 256 + Int(high & 0xFF)] ^ t[2 * 256 + Int((high >> 8) & 0xFF)]
                        ^ t[256 + Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
                    i += 8
                }
                while i < end {
                    crc = t[Int((crc ^ UInt32(buffer[i])) & 0xFF)] ^ (crc >> 8)
                    i += 1
                }
            }
        }
        return ~crc
    }
}
