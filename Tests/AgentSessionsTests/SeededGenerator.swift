import AgentSessions

import TestSupport

/// The seeded generator of the property tests (shared with the other test targets).
typealias SeededGenerator = SplitMix64

extension SplitMix64 {
    init(seed: UInt64) { self.init(state: seed) }
}

/// Random JSON values covering every case and the awkward corners.
struct JSONValueGenerator {
    var rng: SeededGenerator

    private static let scalarPool: [Unicode.Scalar] = [
        "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{00}", "\u{1B}", "\u{1F}",
        "\u{7F}", "é", "ß", "→", "∑", "中", "文", "Ж", "\u{2028}", "\u{FEFF}", "😀", "🧪", "\u{10FFFF}", "\u{1F1EB}", "\u{0301}",
    ]

    mutating func string() -> String {
        let length = Int.random(in: 0...24, using: &rng)
        var s = String.UnicodeScalarView()
        for _ in 0..<length {
            if Bool.random(using: &rng) {
                s.append(Self.scalarPool.randomElement(using: &rng)!)
            } else {
                // Any valid scalar.
                var value = UInt32.random(in: 0...0x10FFFF, using: &rng)
                if (0xD800...0xDFFF).contains(value) { value = 0x41 }
                s.append(Unicode.Scalar(value)!)
            }
        }
        return String(s)
    }

    mutating func double() -> Double {
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: return [0.0, -0.0, 1.0, 0.1, 1e-5, 1e-4, 1e16, 1e15, .leastNonzeroMagnitude, 1.7976931348623157e308, 123456789012345678.0].randomElement(using: &rng)!
        case 1: return Double(Int.random(in: -1000...1000, using: &rng)) / 1000
        case 2: return (Double.random(in: 0..<2500, using: &rng) * 1e6).rounded() / 1e6
        default:
            while true {
                let d = Double(bitPattern: rng.next())
                if d.isFinite { return d }
            }
        }
    }

    mutating func value(depth: Int = 0) -> JSONValue {
        let leaf = depth >= 4 || Int.random(in: 0..<3, using: &rng) > 0
        if leaf {
            switch Int.random(in: 0..<8, using: &rng) {
            case 0: return .null
            case 1: return .bool(Bool.random(using: &rng))
            case 2: return .int(Int64(bitPattern: rng.next()))
            case 3: return [.int(.min), .int(.max), .int(0), .int(-1), .uint(.max), .uint(UInt64(Int64.max) + 1)].randomElement(using: &rng)!
            case 4: return .uint(UInt64(Int64.max) + 1 + rng.next() % UInt64(Int64.max))
            case 5: return .double(double())
            default: return .string(string())
            }
        }
        let count = Int.random(in: 0...5, using: &rng)
        if Bool.random(using: &rng) {
            return .array((0..<count).map { _ in value(depth: depth + 1) })
        }
        var object = JSONObject()
        for _ in 0..<count {
            object.append(key: string(), value: value(depth: depth + 1))
        }
        return .object(object)
    }
}
