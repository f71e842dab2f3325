/// CRC-32 (IEEE 802.3, reflected, as zlib computes it), used to detect torn or damaged records.
///
/// Slice-by-8 (eight 256-entry tables fold in eight bytes a step), run on three interleaved
/// streams: each step waits for the previous one's table lookups, so one stream leaves the CPU
/// mostly idle. A run of `3 × block` bytes is checksummed as three independent `block`-byte
/// parts, which are then joined: the register is linear in its starting value, so the first
/// part's register is shifted past the other two (multiplied by x^(8·2·block) mod P, the second
/// by x^(8·block)) with byte-wise tables, and the three XORed.
enum CRC32 {
    /// The reflected polynomial.
    private static let polynomial: UInt32 = 0xEDB8_8320
    /// Bytes per stream in a three-way run.
    private static let block = 128

    /// Slice-by-8 tables, table `k` at `k * 256`.
    private static let slices: [UInt32] = {
        var first = [UInt32](repeating: 0, count: 256)
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 { c = c & 1 != 0 ? polynomial ^ (c >> 1) : c >> 1 }
            first[n] = c
        }
        var tables = [first]
        for k in 1..<8 {
            tables.append((0..<256).map { n in (tables[k - 1][n] >> 8) ^ first[Int(tables[k - 1][n] & 0xFF)] })
        }
        return tables.flatMap { $0 }
    }()

    /// Byte-wise tables multiplying a register by x^(8·block) (at 0) and x^(8·2·block) (at 1024)
    /// mod P: four 256-entry tables each, one per byte of the register.
    private static let shifts: [UInt32] = [block, 2 * block].flatMap { bytes in
        let factor = power(ofXTimes8: bytes)
        return (0..<4).flatMap { byte in (0..<256).map { multiply(factor, UInt32($0) << (8 * byte)) } }
    }

    /// `a · b` mod P, in the reflected bit order (bit 31 is x^0).
    static func multiply(_ a: UInt32, _ b: UInt32) -> UInt32 {
        var a = a, b = b, product: UInt32 = 0
        var bit: UInt32 = 1 << 31
        while a != 0 {
            if a & bit != 0 {
                product ^= b
                a ^= bit
            }
            bit >>= 1
            b = b & 1 != 0 ? (b >> 1) ^ polynomial : b >> 1
        }
        return product
    }

    /// x^(8·n) mod P: what a register is multiplied by when `n` zero bytes pass through it.
    static func power(ofXTimes8 n: Int) -> UInt32 {
        var result: UInt32 = 1 << 31  // x^0
        var square: UInt32 = 1 << 23  // x^8
        var n = n
        while n > 0 {
            if n & 1 != 0 { result = multiply(result, square) }
            square = multiply(square, square)
            n >>= 1
        }
        return result
    }

    /// The CRC-32 of `bytes[start..<end]`, continuing from `seed` (the CRC of what precedes it;
    /// 0 to start afresh).
    static func checksum(_ bytes: [UInt8], from start: Int, to end: Int, seed: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, from: start, to: end, seed: seed) }
    }

    /// The CRC-32 of `buffer[start..<end]`, continuing from `seed`.
    static func checksum(_ buffer: UnsafeRawBufferPointer, from start: Int, to end: Int, seed: UInt32 = 0) -> UInt32 {
        precondition(0 <= start && start <= end && end <= buffer.count)
        var crc = ~seed
        slices.withUnsafeBufferPointer { t in
            shifts.withUnsafeBufferPointer { s in
                /// Folds in the eight bytes at `i`.
                @inline(__always) func step(_ i: Int, _ crc: UInt32) -> UInt32 {
                    let low = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: i, as: UInt32.self)) ^ crc
                    let high = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self))
                    return t[7 * 256 + Int(low & 0xFF)] ^ t[6 * 256 + Int((low >> 8) & 0xFF)]
                        ^ t[5 * 256 + Int((low >> 16) & 0xFF)] ^ t[4 * 256 + Int(low >> 24)]
                        ^ t[3 * 256 + Int(high & 0xFF)] ^ t[2 * 256 + Int((high >> 8) & 0xFF)]
                        ^ t[256 + Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
                }
                /// `x` times the factor whose tables start at `table`.
                @inline(__always) func shifted(_ x: UInt32, _ table: Int) -> UInt32 {
                    s[table + Int(x & 0xFF)] ^ s[table + 256 + Int((x >> 8) & 0xFF)]
                        ^ s[table + 512 + Int((x >> 16) & 0xFF)] ^ s[table + 768 + Int(x >> 24)]
                }
                var i = start
                while end - i >= 3 * block {
                    var a = crc, b: UInt32 = 0, c: UInt32 = 0
                    for j in stride(from: i, to: i + block, by: 8) {
                        a = step(j, a)
                        b = step(j + block, b)
                        c = step(j + 2 * block, c)
                    }
                    crc = shifted(a, 1024) ^ shifted(b, 0) ^ c
                    i += 3 * block
                }
                while end - i >= 8 {
                    crc = step(i, crc)
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
