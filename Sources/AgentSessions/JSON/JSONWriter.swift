/// The compact JSON writer behind ``JSONValue/write(into:)``.
///
/// Output is one line of UTF-8 with no whitespace between tokens, the same bytes
/// as Python's `json.dumps(value, ensure_ascii=False, separators=(",", ":"))`:
/// - strings escape only `"` and `\` and the control characters U+0000 to U+001F
///   (`\n \r \t \b \f` by name, the others as `\u00XX` with lowercase hex);
///   everything else, non-ASCII included, is written as raw UTF-8;
/// - integers in decimal; doubles as described in ``JSONNumberFormatter``;
///   non-finite doubles (which the parser never produces) as `null`.
///
/// It writes into its own growable raw buffer (one capacity check per token
/// rather than per byte) and hands the bytes over in one copy at the end.
struct JSONWriter: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    /// The number of bytes written.
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 1000) {
        self.capacity = Swift.max(capacity, 64)
        base = UnsafeMutablePointer<UInt8>.allocate(capacity: self.capacity)
    }

    deinit {
        base.deallocate()
    }

    /// Appends the written bytes to `out`.
    func append(to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: base, count: count))
    }

    /// The written bytes as a new array.
    func bytes() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            buffer.baseAddress!.initialize(from: base, count: count)
            initialized = count
        }
    }

    @inline(__always)
    private mutating func reserve(_ n: Int) {
        if count &+ n > capacity { grow(count + n) }
    }

    private mutating func grow(_ minimum: Int) {
        var newCapacity = capacity * 2
        while newCapacity < minimum { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.initialize(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    @inline(__always)
    private mutating func put(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count &+= 1
    }

    @inline(__always)
    private mutating func putUnchecked(_ byte: UInt8) {
        base[count] = byte
        count &+= 1
    }

    @inline(__always)
    private mutating func put(_ bytes: UnsafePointer<UInt8>, _ n: Int) {
        reserve(n)
        (base + count).update(from: bytes, count: n)
        count &+= n
    }

    /// Writes `literal` as it is: JSON text the caller has spelled (a key and its colon, a bracket).
    @inline(__always)
    mutating func putLiteral(_ literal: StaticString) {
        put(literal.utf8Start, literal.utf8CodeUnitCount)
    }

    /// Writes `value` followed by a newline: one line of JSON lines.
    mutating func writeLine(_ value: JSONValue) {
        write(value)
        put(UInt8(ascii: "\n"))
    }

    /// Writes `text`, already one line of JSON, followed by a newline.
    mutating func writeLine(raw text: ArraySlice<UInt8>) {
        text.withUnsafeBufferPointer { put($0.baseAddress!, $0.count) }
        put(UInt8(ascii: "\n"))
    }

    mutating func write(_ value: JSONValue) {
        switch value {
        case .null: putLiteral("null")
        case .bool(let b): putLiteral(b ? "true" : "false")
        case .int(let i):
            if i < 0 {
                putUnsigned(i.magnitude, negative: true)
            } else {
                putUnsigned(UInt64(i), negative: false)
            }
        case .uint(let u): putUnsigned(u, negative: false)
        case .double(let d):
            var scratch: [UInt8] = []
            JSONNumberFormatter.appendDouble(d, into: &scratch)
            scratch.withUnsafeBufferPointer { put($0.baseAddress!, $0.count) }
        case .string(let s): writeString(s)
        case .array(let elements):
            put(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { put(UInt8(ascii: ",")) }
                first = false
                write(element)
            }
            put(UInt8(ascii: "]"))
        case .object(let object):
            put(UInt8(ascii: "{"))
            var first = true
            for member in object.members {
                if !first { put(UInt8(ascii: ",")) }
                first = false
                writeString(member.key)
                put(UInt8(ascii: ":"))
                write(member.value)
            }
            put(UInt8(ascii: "}"))
        }
    }

    private mutating func putUnsigned(_ value: UInt64, negative: Bool) {
        reserve(21)
        if negative { putUnchecked(UInt8(ascii: "-")) }
        if value < 10 {
            putUnchecked(UInt8(ascii: "0") &+ UInt8(value))
            return
        }
        var digits = 0
        var v = value
        while v > 0 { digits &+= 1; v /= 10 }
        v = value
        var i = count &+ digits
        while v > 0 {
            i &-= 1
            let (q, r) = v.quotientAndRemainder(dividingBy: 10)
            base[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: r)
            v = q
        }
        count &+= digits
    }

    private static let hexDigits: StaticString = "0123456789abcdef"

    private mutating func writeString(_ string: String) {
        var string = string
        string.withUTF8 { bytes in
            let n = bytes.count
            reserve(n &+ 2)
            putUnchecked(UInt8(ascii: "\""))
            guard let source = bytes.baseAddress else {
                putUnchecked(UInt8(ascii: "\""))
                return
            }
            var runStart = 0
            var i = 0
            while i < n {
                while i &+ 8 <= n {
                    let word = UnsafeRawPointer(source + i).loadUnaligned(as: UInt64.self)
                    if JSONWordScan.needsEscape(word) { break }
                    i &+= 8
                }
                // The next byte that needs an escape is within 8 bytes, or in the tail.
                var c: UInt8 = 0
                var found = false
                while i < n {
                    c = source[i]
                    if c < 0x20 || c == 0x22 || c == 0x5C {
                        found = true
                        break
                    }
                    i &+= 1
                }
                if !found { break }
                // Flush the run, then the escape (at most 6 bytes), keeping room for the rest.
                reserve((i &- runStart) &+ 6 &+ (n &- i) &+ 1)
                (base + count).update(from: source + runStart, count: i &- runStart)
                count &+= i &- runStart
                putUnchecked(UInt8(ascii: "\\"))
                switch c {
                case 0x22: putUnchecked(0x22)
                case 0x5C: putUnchecked(0x5C)
                case 0x0A: putUnchecked(UInt8(ascii: "n"))
                case 0x0D: putUnchecked(UInt8(ascii: "r"))
                case 0x09: putUnchecked(UInt8(ascii: "t"))
                case 0x08: putUnchecked(UInt8(ascii: "b"))
                case 0x0C: putUnchecked(UInt8(ascii: "f"))
                default:
                    let hex = Self.hexDigits.utf8Start
                    putUnchecked(UInt8(ascii: "u"))
                    putUnchecked(UInt8(ascii: "0"))
                    putUnchecked(UInt8(ascii: "0"))
                    putUnchecked(hex[Int(c >> 4)])
                    putUnchecked(hex[Int(c & 0xF)])
                }
                i &+= 1
                runStart = i
            }
            reserve((n &- runStart) &+ 1)
            (base + count).update(from: source + runStart, count: n &- runStart)
            count &+= n &- runStart
            putUnchecked(UInt8(ascii: "\""))
        }
    }

}
