/// The JSON parser behind ``JSONValue/init(parsing:)-(UnsafeRawBufferPointer)``.
///
/// A recursive-descent parser over raw bytes (RFC 8259, no extensions). It keeps
/// three scratch buffers (pending array elements, pending object members and
/// unescaped string bytes) so that each array, object and string is allocated
/// once at its exact size; a parser value can be reused for many documents to
/// keep those buffers warm (the message reader does this for every line).
///
/// Strings without escapes are built directly from the input slice; the scan
/// for the closing quote looks at eight bytes at a time. Numbers: integers are
/// accumulated exactly; doubles use the exact fast path (at most 2^53 and a
/// power of ten up to 22) and otherwise the standard library's correctly
/// rounded conversion.
struct JSONParser: ~Copyable {
    private var base: UnsafePointer<UInt8> = UnsafePointer(bitPattern: 1)!
    private var end = 0
    private var pos = 0
    private var depth = 0
    private var values = JSONScratchStack<JSONValue>(capacity: 16)
    private var members = JSONScratchStack<JSONObject.Member>(capacity: 16)
    private var scratch: [UInt8] = []
    /// The top-level keys ``validate(_:capturing:_:)`` reports, and what it saw of them.
    private var keys: (StaticString, StaticString) = ("type", "type")
    private var captured: (Member, Member) = (.absent, .absent)
    /// The nesting depth of the object whose keys are captured: 1 for the text itself
    /// (``validate(_:capturing:_:)``), 2 for the elements of an array (``elements(ofArray:capturing:)``).
    private var captureDepth = 1

    /// A top-level member of an object, as ``validate(_:capturing:_:)`` reports it without decoding.
    enum Member: Equatable {
        /// No such member (or the text is not an object).
        case absent
        /// The offsets of the member's value, as written (a string with its quotes).
        case value(Range<Int>)
        /// Telling its value needs decoding: the key is written twice, or some top-level key is
        /// written with escapes (and might decode to it).
        case undecided

        /// The value's text when it is a string written without escapes (quotes excluded), in
        /// `buffer`, the text that was validated; `nil` otherwise.
        func plainString(in buffer: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
            guard case .value(let range) = self, buffer[range.lowerBound] == UInt8(ascii: "\"") else { return nil }
            let text = UnsafeRawBufferPointer(rebasing: buffer[range.lowerBound + 1..<range.upperBound - 1])
            return text.contains(UInt8(ascii: "\\")) ? nil : text
        }

        /// Whether the value may be a string equal to one of `names` (ASCII, without escapes):
        /// true when it is one written without escapes, or when only decoding tells (the member is
        /// undecided, or its string has escapes); false when it is absent, not a string, or
        /// another plain string.
        func mayBe(oneOf names: StaticString..., in buffer: UnsafeRawBufferPointer) -> Bool {
            switch self {
            case .absent: return false
            case .undecided: return true
            case .value(let range):
                guard buffer[range.lowerBound] == UInt8(ascii: "\"") else { return false }
                guard let text = plainString(in: buffer) else { return true }
                return names.contains { UnsafeBufferPointer(start: $0.utf8Start, count: $0.utf8CodeUnitCount).elementsEqual(text) }
            }
        }
    }

    init() {}

    /// Parses one complete JSON text.
    ///
    /// - Parameter buffer: The bytes; offsets in errors are relative to its start.
    /// - Returns: The value.
    /// - Throws: ``JSONParseError`` for anything that is not exactly one JSON value
    ///   surrounded by optional whitespace.
    mutating func parse(_ buffer: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONValue {
        try begin(buffer)
        values.removeAll()
        members.removeAll()
        let value = try parseValue()
        try finish()
        return value
    }

    /// Checks that `buffer` is exactly one JSON text that ``parse(_:)`` accepts, without building
    /// any value: the same grammar, nesting limit, escape, UTF-8 and number-range rules.
    ///
    /// About four times faster than parsing, and allocation-free except for the rare number that
    /// needs the standard library's conversion. Error codes match the parser's; offsets may differ
    /// for invalid UTF-8 (the validator reports the first bad byte of the string's raw text).
    /// - Parameters:
    ///   - buffer: The bytes; offsets in errors are relative to its start.
    ///   - first, second: Top-level keys (ASCII, without escapes) whose values to report.
    /// - Returns: For an object, where the values of `first` and `second` are (the store reads a
    ///   message's `type` this way to decide whether it needs decoding).
    /// - Throws: ``JSONParseError``, as ``parse(_:)`` would.
    @discardableResult
    mutating func validate(
        _ buffer: UnsafeRawBufferPointer, capturing first: StaticString = "type", _ second: StaticString = "type"
    ) throws(JSONParseError) -> (Member, Member) {
        try begin(buffer)
        keys = (first, second)
        captureDepth = 1
        captured = (.absent, .absent)
        try skipValue()
        try finish()
        return captured
    }

    /// The elements of the array that `buffer` holds, in order, checked as
    /// ``validate(_:capturing:_:)`` checks a text: each element's offsets, and where the value of
    /// its top-level member `key` is when the element is an object (``Member/absent`` otherwise).
    /// - Throws: ``JSONParseError`` if `buffer` is not exactly one valid JSON array.
    mutating func elements(ofArray buffer: UnsafeRawBufferPointer, capturing key: StaticString) throws(JSONParseError)
        -> [(range: Range<Int>, member: Member)] {
        try begin(buffer)
        guard base[pos] == UInt8(ascii: "[") else { throw JSONParseError(code: .unexpectedCharacter, offset: pos) }
        keys = (key, key)
        captureDepth = 2
        var elements: [(range: Range<Int>, member: Member)] = []
        if try !enterContainer(closing: UInt8(ascii: "]")) {
            repeat {
                let start = pos
                captured = (.absent, .absent)
                try skipValue()
                elements.append((start..<pos, captured.0))
            } while try nextElement(closing: UInt8(ascii: "]"))
            depth -= 1
        }
        try finish()
        return elements
    }

    /// Points the parser at `buffer` and skips leading whitespace.
    private mutating func begin(_ buffer: UnsafeRawBufferPointer) throws(JSONParseError) {
        guard let start = buffer.baseAddress, buffer.count > 0 else {
            throw JSONParseError(code: .unexpectedEnd, offset: 0)
        }
        base = start.assumingMemoryBound(to: UInt8.self)
        end = buffer.count
        pos = 0
        depth = 0
        skipWhitespace()
    }

    /// After the one value: only whitespace may follow.
    private mutating func finish() throws(JSONParseError) {
        skipWhitespace()
        if pos != end {
            throw JSONParseError(code: .trailingData, offset: pos)
        }
    }

    // MARK: - Values

    @inline(__always)
    private mutating func skipWhitespace() {
        while pos < end {
            switch base[pos] {
            case 0x20, 0x0A, 0x0D, 0x09: pos += 1
            default: return
            }
        }
    }

    private mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard pos < end else { throw JSONParseError(code: .unexpectedEnd, offset: end) }
        switch base[pos] {
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw JSONParseError(code: .unexpectedCharacter, offset: pos)
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let bytes = literal.utf8Start
        for i in 0..<literal.utf8CodeUnitCount {
            guard pos < end else { throw JSONParseError(code: .unexpectedEnd, offset: end) }
            guard base[pos] == bytes[i] else {
                throw JSONParseError(code: .unexpectedCharacter, offset: pos)
            }
            pos += 1
        }
    }

    /// Enters a container at its opening bracket: checks the depth and skips the bracket.
    /// Returns true (having left the container again) when it is empty, `closing` coming next.
    private mutating func enterContainer(closing: UInt8) throws(JSONParseError) -> Bool {
        depth += 1
        if depth > JSONValue.maximumNestingDepth {
            throw JSONParseError(code: .tooDeep, offset: pos)
        }
        pos += 1
        skipWhitespace()
        guard pos < end else { throw JSONParseError(code: .unexpectedEnd, offset: end) }
        guard base[pos] == closing else { return false }
        pos += 1
        depth -= 1
        return true
    }

    /// After an element: consumes `,` (true: another element follows) or `closing` (false).
    private mutating func nextElement(closing: UInt8) throws(JSONParseError) -> Bool {
        skipWhitespace()
        guard pos < end else { throw JSONParseError(code: .unexpectedEnd, offset: end) }
        let c = base[pos]
        pos += 1
        if c == UInt8(ascii: ",") {
            skipWhitespace()
            return true
        }
        if c == closing { return false }
        throw JSONParseError(code: .unexpectedCharacter, offset: pos - 1)
    }

    private mutating func parseArray() throws(JSONParseError) -> JSONValue {
        if try enterContainer(closing: UInt8(ascii: "]")) { return .array([]) }
        let first = values.count
        while true {
            let element = try parseValue()
            values.push(element)
            if try !nextElement(closing: UInt8(ascii: "]")) { break }
        }
        let array = values.popArray(from: first)
        depth -= 1
        return .array(array)
    }

    private mutating func parseObject() throws(JSONParseError) -> JSONValue {
        if try enterContainer(closing: UInt8(ascii: "}")) { return .object(JSONObject()) }
        let first = members.count
        while true {
            guard pos < end else { throw JSONParseError(code: .unexpectedEnd, offset: end) }
            guard base[pos] == UInt8(ascii: "\"") else {
                throw JSONParseError(code: .unexpectedCharacter, offset: pos)
            }
            let key = try parseString()
            skipWhitespace()
            guard pos < end else { throw JSONParseError(code: .unexpectedEnd, offset: end) }
            guard base[pos] == UInt8(ascii: ":") else {
                throw JSONParseError(code: .unexpectedCharacter, offset: pos)
            }
            pos += 1
            skipWhitespace()
            let value = try parseValue()
            members.push(JSONObject.Member(key: key, value: value))
            if try !nextElement(closing: UInt8(ascii: "}")) { break }
        }
        let object = JSONObject(members: members.popArray(from: first))
        depth -= 1
        return .object(object)
    }

    // MARK: - Strings

    /// Parses a string; `pos` is at the opening quote.
    private mutating func parseString() throws(JSONParseError) -> String {
        pos += 1
        let start = pos
        var high: UInt64 = 0
        while true {
            skipPlainWords(&high)
            guard pos < end else { throw JSONParseError(code: .unexpectedEnd, offset: end) }
            let c = base[pos]
            if c == UInt8(ascii: "\"") {
                let string = try makeString(from: start, to: pos, maybeNonASCII: high & 0x8080_8080_8080_8080 != 0)
                pos += 1
                return string
            }
            if c == UInt8(ascii: "\\") {
                return try parseEscapedString(start: start, nonASCII: high & 0x8080_8080_8080_8080 != 0)
            }
            if c < 0x20 {
                throw JSONParseError(code: .controlCharacterInString, offset: pos)
            }
            high |= UInt64(c)
            pos += 1
        }
    }


    /// Advances, eight bytes at a time while eight are left, to the first quote, backslash or
    /// control byte, or-ing the bytes passed into `high` (its top bits then say whether any was
    /// non-ASCII). The position is kept in a local: the loop would otherwise store and reload
    /// `pos` every word.
    @inline(__always)
    private mutating func skipPlainWords(_ high: inout UInt64) {
        var p = pos
        defer { pos = p }
        while p &+ 8 <= end {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + p).loadUnaligned(as: UInt64.self))
            let special = JSONWordScan.specialBytes(word)
            if special != 0 {
                let plain = special.trailingZeroBitCount &>> 3  // the bytes before the first special one
                high |= word & ~(UInt64.max &<< (plain &* 8))
                p &+= plain
                return
            }
            high |= word
            p &+= 8
        }
    }

    private func makeString(from start: Int, to stop: Int, maybeNonASCII: Bool) throws(JSONParseError) -> String {
        let bytes = UnsafeBufferPointer(start: base + start, count: stop - start)
        if !maybeNonASCII {
            return String(decoding: bytes, as: UTF8.self)
        }
        let invalid = Self.firstInvalidUTF8(bytes)
        guard invalid == bytes.count else {
            throw JSONParseError(code: .invalidUTF8, offset: start + invalid)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Continues a string at its first backslash, collecting bytes in `scratch`. `nonASCII`:
    /// whether the bytes before the backslash may hold non-ASCII (then UTF-8 is checked at the end).
    private mutating func parseEscapedString(start: Int, nonASCII sawNonASCII: Bool) throws(JSONParseError) -> String {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(start: base + start, count: pos - start))
        var nonASCII = sawNonASCII
        while true {
            // A run of plain bytes.
            let runStart = pos
            while pos < end {
                let c = base[pos]
                if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 { break }
                if c >= 0x80 { nonASCII = true }
                pos += 1
            }
            if pos > runStart {
                scratch.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: pos - runStart))
            }
            guard pos < end else { throw JSONParseError(code: .unexpectedEnd, offset: end) }
            let c = base[pos]
            if c == UInt8(ascii: "\"") {
                pos += 1
                break
            }
            if c < 0x20 {
                throw JSONParseError(code: .controlCharacterInString, offset: pos)
            }
            appendUTF8(try readEscape())
        }
        if !nonASCII {
            return String(decoding: scratch, as: UTF8.self)
        }
        let valid = scratch.withUnsafeBufferPointer { Self.firstInvalidUTF8($0) == $0.count }
        if valid {
            return String(decoding: scratch, as: UTF8.self)
        }
        // Escapes only ever produce well-formed UTF-8, so the raw bytes are at fault:
        // find them in the input.
        let raw = UnsafeBufferPointer(start: base + start, count: pos - start)
        throw JSONParseError(code: .invalidUTF8, offset: start + Self.firstInvalidUTF8(raw))
    }

    private mutating func readHex4() throws(JSONParseError) -> UInt32 {
        var result: UInt32 = 0
        for _ in 0..<4 {
            guard pos < end else { throw JSONParseError(code: .unexpectedEnd, offset: end) }
            let c = base[pos]
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c &- UInt8(ascii: "A") &+ 10
            default: throw JSONParseError(code: .invalidUnicodeEscape, offset: pos)
            }
            result = result << 4 | UInt32(digit)
            pos += 1
        }
        return result
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | (scalar >> 6)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | (scalar >> 12)))
            scratch.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            scratch.append(UInt8(0xF0 | (scalar >> 18)))
            scratch.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            scratch.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    /// The offset of the first byte that starts an ill-formed UTF-8 sequence, or
    /// `bytes.count` when all are well formed (RFC 3629 table: no overlong forms,
    /// no surrogates, nothing above U+10FFFF).
    static func firstInvalidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var i = 0
        let n = bytes.count
        func inRange(_ j: Int, _ lo: UInt8, _ hi: UInt8) -> Bool {
            j < n && bytes[j] >= lo && bytes[j] <= hi
        }
        while i < n {
            // ASCII eight bytes at a time.
            while i &+ 8 <= n, UnsafeRawPointer(bytes.baseAddress! + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i &+= 8
            }
            guard i < n else { break }
            let b = bytes[i]
            switch b {
            case 0x00...0x7F:
                i += 1
            case 0xC2...0xDF:
                guard inRange(i + 1, 0x80, 0xBF) else { return i }
                i += 2
            case 0xE0...0xEF:
                let (lo, hi): (UInt8, UInt8) = b == 0xE0 ? (0xA0, 0xBF) : b == 0xED ? (0x80, 0x9F) : (0x80, 0xBF)
                guard inRange(i + 1, lo, hi), inRange(i + 2, 0x80, 0xBF) else { return i }
                i += 3
            case 0xF0...0xF4:
                let (lo, hi): (UInt8, UInt8) = b == 0xF0 ? (0x90, 0xBF) : b == 0xF4 ? (0x80, 0x8F) : (0x80, 0xBF)
                guard inRange(i + 1, lo, hi), inRange(i + 2, 0x80, 0xBF), inRange(i + 3, 0x80, 0xBF) else { return i }
                i += 4
            default:
                return i
            }
        }
        return n
    }

    // MARK: - Numbers

    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    @inline(__always)
    private func isDigit(at index: Int) -> Bool {
        index < end && base[index] &- UInt8(ascii: "0") < 10
    }

    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = pos
        var negative = false
        if base[pos] == UInt8(ascii: "-") {
            negative = true
            pos += 1
        }
        guard pos < end else { throw JSONParseError(code: .unexpectedEnd, offset: end) }
        var mantissa: UInt64 = 0
        var overflow = false
        var exponent = 0
        let first = base[pos]
        if first == UInt8(ascii: "0") {
            pos += 1
            if isDigit(at: pos) { throw JSONParseError(code: .invalidNumber, offset: pos) }
        } else if first &- UInt8(ascii: "1") < 9 {
            while isDigit(at: pos) {
                let digit = UInt64(base[pos] &- UInt8(ascii: "0"))
                if !overflow {
                    let (times10, o1) = mantissa.multipliedReportingOverflow(by: 10)
                    let (sum, o2) = times10.addingReportingOverflow(digit)
                    if o1 || o2 { overflow = true } else { mantissa = sum }
                }
                pos += 1
            }
        } else {
            throw JSONParseError(code: .invalidNumber, offset: pos)
        }
        var isInteger = true
        if pos < end && base[pos] == UInt8(ascii: ".") {
            isInteger = false
            pos += 1
            guard pos < end else { throw JSONParseError(code: .unexpectedEnd, offset: end) }
            guard isDigit(at: pos) else { throw JSONParseError(code: .invalidNumber, offset: pos) }
            while isDigit(at: pos) {
                if !overflow {
                    let digit = UInt64(base[pos] &- UInt8(ascii: "0"))
                    let (times10, o1) = mantissa.multipliedReportingOverflow(by: 10)
                    let (sum, o2) = times10.addingReportingOverflow(digit)
                    if o1 || o2 { overflow = true } else { mantissa = sum; exponent -= 1 }
                }
                pos += 1
            }
        }
        if pos < end && (base[pos] | 0x20) == UInt8(ascii: "e") {
            isInteger = false
            pos += 1
            guard pos < end else { throw JSONParseError(code: .unexpectedEnd, offset: end) }
            var exponentNegative = false
            if base[pos] == UInt8(ascii: "+") || base[pos] == UInt8(ascii: "-") {
                exponentNegative = base[pos] == UInt8(ascii: "-")
                pos += 1
                guard pos < end else { throw JSONParseError(code: .unexpectedEnd, offset: end) }
            }
            guard isDigit(at: pos) else { throw JSONParseError(code: .invalidNumber, offset: pos) }
            var value = 0
            while isDigit(at: pos) {
                value = min(value * 10 + Int(base[pos] &- UInt8(ascii: "0")), 1_000_000)
                pos += 1
            }
            exponent += exponentNegative ? -value : value
        }
        if isInteger && !overflow {
            if !negative {
                return mantissa <= UInt64(Int64.max) ? .int(Int64(mantissa)) : .uint(mantissa)
            }
            if mantissa <= UInt64(Int64.max) { return .int(-Int64(mantissa)) }
            if mantissa == UInt64(Int64.max) + 1 { return .int(Int64.min) }
        }
        if !overflow && mantissa <= 1 << 53 && exponent >= -22 && exponent <= 22 {
            var value = Double(mantissa)
            if exponent < 0 { value /= Self.powersOfTen[-exponent] } else { value *= Self.powersOfTen[exponent] }
            return .double(negative ? -value : value)
        }
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: pos - start), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw JSONParseError(code: .numberOutOfRange, offset: start)
        }
        return .double(value)
    }

    // MARK: - Validation (the parser's rules without building values)

    private mutating func skipValue() throws(JSONParseError) {
        guard pos < end else { throw JSONParseError(code: .unexpectedEnd, offset: end) }
        switch base[pos] {
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "{"):
            if try enterContainer(closing: UInt8(ascii: "}")) { return }
            repeat {
                guard pos < end else { throw JSONParseError(code: .unexpectedEnd, offset: end) }
                guard base[pos] == UInt8(ascii: "\"") else {
                    throw JSONParseError(code: .unexpectedCharacter, offset: pos)
                }
                let key = pos
                try skipString()
                let capturing = depth == captureDepth ? capturedKey(key) : 0
                skipWhitespace()
                guard pos < end else { throw JSONParseError(code: .unexpectedEnd, offset: end) }
                guard base[pos] == UInt8(ascii: ":") else {
                    throw JSONParseError(code: .unexpectedCharacter, offset: pos)
                }
                pos += 1
                skipWhitespace()
                let value = pos
                try skipValue()
                if capturing != 0 { note(capturing, value) }
            } while try nextElement(closing: UInt8(ascii: "}"))
            depth -= 1
        case UInt8(ascii: "["):
            if try enterContainer(closing: UInt8(ascii: "]")) { return }
            repeat { try skipValue() } while try nextElement(closing: UInt8(ascii: "]"))
            depth -= 1
        case UInt8(ascii: "t"): try expectLiteral("true")
        case UInt8(ascii: "f"): try expectLiteral("false")
        case UInt8(ascii: "n"): try expectLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try parseNumber()
        default: throw JSONParseError(code: .unexpectedCharacter, offset: pos)
        }
    }

    /// Which captured key the top-level key just skipped (its opening quote at `start`) is: 1 or
    /// 2 (both when the two are the same), or 0. A key with an escape might decode to either, so
    /// it makes both undecided.
    private mutating func capturedKey(_ start: Int) -> Int {
        let text = UnsafeBufferPointer(start: base + start + 1, count: pos - start - 2)
        if text.contains(UInt8(ascii: "\\")) {
            captured = (.undecided, .undecided)
            return 0
        }
        func equal(_ key: StaticString) -> Bool {
            guard key.utf8CodeUnitCount == text.count else { return false }
            let bytes = key.utf8Start
            for i in 0..<text.count where bytes[i] != text[i] { return false }
            return true
        }
        return (equal(keys.0) ? 1 : 0) | (equal(keys.1) ? 2 : 0)
    }

    /// Records the value (from `start` to `pos`) of captured key(s) `which`; a second value for a
    /// key makes it undecided.
    private mutating func note(_ which: Int, _ start: Int) {
        func noted(_ member: Member) -> Member { member == .absent ? .value(start..<pos) : .undecided }
        if which & 1 != 0 { captured.0 = noted(captured.0) }
        if which & 2 != 0 { captured.1 = noted(captured.1) }
    }

    /// Skips a string (`pos` at its opening quote), checking its escapes and, when it has
    /// non-ASCII bytes, its UTF-8. Escapes are ASCII and decode to whole scalars, so checking the
    /// raw text's UTF-8 is the same as checking the decoded string's.
    private mutating func skipString() throws(JSONParseError) {
        pos += 1
        let start = pos
        var high: UInt64 = 0
        while true {
            skipPlainWords(&high)
            guard pos < end else { throw JSONParseError(code: .unexpectedEnd, offset: end) }
            let c = base[pos]
            if c == UInt8(ascii: "\"") { break }
            if c == UInt8(ascii: "\\") {
                _ = try readEscape()
                continue
            }
            if c < 0x20 {
                throw JSONParseError(code: .controlCharacterInString, offset: pos)
            }
            high |= UInt64(c)
            pos += 1
        }
        if high & 0x8080_8080_8080_8080 != 0 {
            let raw = UnsafeBufferPointer(start: base + start, count: pos - start)
            let invalid = Self.firstInvalidUTF8(raw)
            guard invalid == raw.count else { throw JSONParseError(code: .invalidUTF8, offset: start + invalid) }
        }
        pos += 1
    }

    /// Reads one escape (`pos` at its backslash) and returns the scalar it stands for; a
    /// surrogate pair is one escape. Shared by the parser and the validator.
    private mutating func readEscape() throws(JSONParseError) -> UInt32 {
        let escapeStart = pos
        guard pos + 1 < end else { throw JSONParseError(code: .unexpectedEnd, offset: end) }
        let e = base[pos + 1]
        pos += 2
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): return UInt32(e)
        case UInt8(ascii: "b"): return 0x08
        case UInt8(ascii: "f"): return 0x0C
        case UInt8(ascii: "n"): return 0x0A
        case UInt8(ascii: "r"): return 0x0D
        case UInt8(ascii: "t"): return 0x09
        case UInt8(ascii: "u"):
            let scalar = try readHex4()
            if scalar >= 0xDC00 && scalar < 0xE000 {
                throw JSONParseError(code: .invalidUnicodeEscape, offset: escapeStart)
            }
            guard scalar >= 0xD800 && scalar < 0xDC00 else { return scalar }
            // A high surrogate must be followed by an escaped low surrogate.
            guard pos >= end || base[pos] == UInt8(ascii: "\\") else {
                throw JSONParseError(code: .invalidUnicodeEscape, offset: escapeStart)
            }
            guard pos + 1 < end else { throw JSONParseError(code: .unexpectedEnd, offset: end) }
            guard base[pos + 1] == UInt8(ascii: "u") else {
                throw JSONParseError(code: .invalidUnicodeEscape, offset: escapeStart)
            }
            pos += 2
            let low = try readHex4()
            guard low >= 0xDC00 && low < 0xE000 else {
                throw JSONParseError(code: .invalidUnicodeEscape, offset: escapeStart)
            }
            return 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        default:
            throw JSONParseError(code: .invalidEscape, offset: escapeStart)
        }
    }
}
