/// Writes JSON numbers in the exact form Python's `json.dumps` uses.
///
/// **Doubles** are written in the style of Python's `repr(float)`: the shortest
/// digit string that reads back as the same `Double`, in fixed notation when the
/// decimal exponent `e` (as in `d.ddd × 10^e`) satisfies `-4 <= e < 16`, always
/// with a fractional part (`1.0`, `0.0001`, `1000000000000000.0`), and otherwise
/// in exponent notation with a sign and at least two exponent digits (`1e-05`,
/// `1.5e+16`). The shortest digits come from the standard library's
/// `Double.description` (shortest round-trip, nearest when several are
/// shortest), which is the same digit selection as Python's `repr`; only the
/// layout is re-done here. The corpus round-trip test checks this byte for byte
/// on every line; during development it was also checked against CPython's
/// `json.dumps` on 200,000 further doubles (random bit patterns, rounded
/// decimals, exponents from 1e-30 to 1e30), all byte-identical. We do *not* keep a number's source text: a double that was
/// written in another style (`1.50`, `1E5`) is re-serialised in Python's style,
/// with the same value.
enum JSONNumberFormatter {
    static func appendUnsigned(_ value: UInt64, negative: Bool, into out: inout [UInt8]) {
        if negative { out.append(UInt8(ascii: "-")) }
        if value < 10 {
            out.append(UInt8(ascii: "0") &+ UInt8(value))
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var v = value
            var i = 20
            while v > 0 {
                i -= 1
                let (q, r) = v.quotientAndRemainder(dividingBy: 10)
                digits[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: r)
                v = q
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[i..<20]))
        }
    }

    static func appendDouble(_ value: Double, into out: inout [UInt8]) {
        guard value.isFinite else {
            out.append(contentsOf: [UInt8(ascii: "n"), UInt8(ascii: "u"), UInt8(ascii: "l"), UInt8(ascii: "l")])
            return
        }
        if value.sign == .minus { out.append(UInt8(ascii: "-")) }
        if value == 0 {
            out.append(contentsOf: [UInt8(ascii: "0"), UInt8(ascii: "."), UInt8(ascii: "0")])
            return
        }
        // Decompose the shortest round-trip text into digits and a decimal point position.
        var digits: [UInt8] = []
        digits.reserveCapacity(20)
        var pointPosition: Int? = nil
        var exponent = 0
        var exponentNegative = false
        var inExponent = false
        for c in value.magnitude.description.utf8 {
            if inExponent {
                if c == UInt8(ascii: "-") { exponentNegative = true } else if c != UInt8(ascii: "+") {
                    exponent = exponent * 10 + Int(c &- UInt8(ascii: "0"))
                }
            } else if c == UInt8(ascii: ".") {
                pointPosition = digits.count
            } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                inExponent = true
            } else {
                digits.append(c)
            }
        }
        if exponentNegative { exponent = -exponent }
        // value = 0.DIGITS × 10^decimalPoint
        var decimalPoint = (pointPosition ?? digits.count) + exponent
        var leading = 0
        while leading < digits.count && digits[leading] == UInt8(ascii: "0") { leading += 1 }
        decimalPoint -= leading
        var trailing = digits.count
        while trailing > leading && digits[trailing - 1] == UInt8(ascii: "0") { trailing -= 1 }
        let significant = digits[leading..<trailing]
        let count = significant.count

        if decimalPoint <= -4 || decimalPoint > 16 {
            out.append(significant.first!)
            if count > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: significant.dropFirst())
            }
            out.append(UInt8(ascii: "e"))
            let e = decimalPoint - 1
            out.append(e < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            if e.magnitude < 10 { out.append(UInt8(ascii: "0")) }
            appendUnsigned(UInt64(e.magnitude), negative: false, into: &out)
        } else if decimalPoint <= 0 {
            out.append(UInt8(ascii: "0"))
            out.append(UInt8(ascii: "."))
            for _ in 0..<(-decimalPoint) { out.append(UInt8(ascii: "0")) }
            out.append(contentsOf: significant)
        } else if decimalPoint >= count {
            out.append(contentsOf: significant)
            for _ in 0..<(decimalPoint - count) { out.append(UInt8(ascii: "0")) }
            out.append(UInt8(ascii: "."))
            out.append(UInt8(ascii: "0"))
        } else {
            out.append(contentsOf: significant.prefix(decimalPoint))
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: significant.dropFirst(decimalPoint))
        }
    }
}
