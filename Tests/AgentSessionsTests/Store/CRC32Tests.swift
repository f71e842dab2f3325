import Testing
@testable import AgentSessions

@Suite("CRC32")
struct CRC32Tests {
    /// The plain bytewise definition, to check the sliced, three-way one against.
    static func bytewise(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        return ~crc
    }

    static let data = (0..<2_000).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11 &+ $0 >> 7) }

    @Test("the standard check value")
    func checkValue() {
        #expect(CRC32.checksum(Array("123456789".utf8), from: 0, to: 9) == 0xCBF4_3926)
    }

    @Test("agreement with the bytewise form at every offset mod 8 and lengths across the three-way runs and their tails",
          arguments: 0..<9)
    func agreesWithBytewise(_ start: Int) {
        for end in stride(from: start, through: Self.data.count, by: 13) {
            #expect(CRC32.checksum(Self.data, from: start, to: end) == Self.bytewise(Self.data[start..<end]), "\(start)..<\(end)")
        }
    }

    @Test("chaining through seed equals one pass, whichever side of a three-way run the split falls", arguments: [0, 100, 383, 384, 385, 1_000])
    func chaining(_ split: Int) {
        let whole = CRC32.checksum(Self.data, from: 0, to: Self.data.count)
        #expect(CRC32.checksum(Self.data, from: split, to: Self.data.count, seed: CRC32.checksum(Self.data, from: 0, to: split)) == whole)
    }

    @Test("x^(8n) mod P is what n zero bytes do to a register")
    func zeroBytes() {
        // With the register's value r and no input, the register after n zero bytes is r·x^(8n).
        for n in [0, 1, 5, 128, 256, 1_000] {
            let r: UInt32 = 0x1234_5678
            var crc = r
            for _ in 0..<n * 8 { crc = crc & 1 != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
            #expect(CRC32.multiply(CRC32.power(ofXTimes8: n), r) == crc, "n = \(n)")
        }
    }
}
