/// The compact JSON writer behind ``JSONValue/write(into:)``.
///
/// Output is one line of UTF-8 with no whitespace between tokens, the same bytes
/// as Python's `json.dumps(value, ensure_ascii=False, separators=(",", ":"))`:
/// - strings escape only `"` and `\` and the control characters U+0000 to U+001F
///   (`\n \r \t \b \f` by name, the others as `\u00XX` with lowercase hex);
///   everything else, non-ASCII included, is written as raw UTF-8;
/// - integers in decimal; doubles as described in ``JSONNumberFormatter``;
///   non-finite doubles (which the parser never produces) as `null`.
enum JSONWriter {
    static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: appendLiteral("null", into: &out)
        case .bool(let b): appendLiteral(b ? "true" : "false", into: &out)
        case .int(let i): JSONNumberFormatter.appendInteger(i, into: &out)
        case .uint(let u): JSONNumberFormatter.appendUnsigned(u, negative: false, into: &out)
        case .double(let d): JSONNumberFormatter.appendDouble(d, into: &out)
        case .string(let s): writeString(s, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                write(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            var first = true
            for member in object.members {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                writeString(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(member.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    @inline(__always)
    private static func appendLiteral(_ literal: StaticString, into out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    private static let hexDigits: StaticString = "0123456789abcdef"

    static func writeString(_ string: String, into out: inout [UInt8]) {
        var string = string
        out.append(UInt8(ascii: "\""))
        string.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            let n = bytes.count
            var runStart = 0
            var i = 0
            while i < n {
                while i &+ 8 <= n {
                    let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                    if needsEscape(word) { break }
                    i &+= 8
                }
                // The next byte that needs an escape is within 8 bytes, or in the tail.
                var c: UInt8 = 0
                var found = false
                while i < n {
                    c = base[i]
                    if c < 0x20 || c == 0x22 || c == 0x5C {
                        found = true
                        break
                    }
                    i &+= 1
                }
                if !found { break }
                if i > runStart {
                    out.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: i - runStart))
                }
                out.append(UInt8(ascii: "\\"))
                switch c {
                case 0x22: out.append(0x22)
                case 0x5C: out.append(0x5C)
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "t"))
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                default:
                    let hex = hexDigits.utf8Start
                    out.append(UInt8(ascii: "u"))
                    out.append(UInt8(ascii: "0"))
                    out.append(UInt8(ascii: "0"))
                    out.append(hex[Int(c >> 4)])
                    out.append(hex[Int(c & 0xF)])
                }
                i &+= 1
                runStart = i
            }
            if n > runStart {
                out.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: n - runStart))
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Whether any byte of `word` is `"`, `\` or below 0x20 (exact).
    @inline(__always)
    private static func needsEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let control = (word &- ones &* 0x20) & ~word & highs
        let q = word ^ (ones &* 0x22)
        let quote = (q &- ones) & ~q & highs
        let b = word ^ (ones &* 0x5C)
        let backslash = (b &- ones) & ~b & highs
        return (control | quote | backslash) != 0
    }
}
