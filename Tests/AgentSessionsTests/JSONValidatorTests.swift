import Foundation
import Testing
@testable import AgentSessions

/// `JSONParser.validate` must accept exactly what `JSONValue(parsing:)` accepts, with the same
/// error: loaded messages are only validated, and decoded later on the promise that they parse.
@Suite("JSON validator: accepts exactly what the parser accepts")
struct JSONValidatorTests {
    /// The validator's verdict: nil when accepted, else its error.
    static func validate(_ bytes: [UInt8]) -> JSONParseError? {
        var parser = JSONParser()
        return bytes.withUnsafeBytes { raw -> JSONParseError? in
            do throws(JSONParseError) {
                try parser.validate(raw)
                return nil
            } catch {
                return error
            }
        }
    }

    /// The parser's verdict in the same form.
    static func parse(_ bytes: [UInt8]) -> JSONParseError? {
        do throws(JSONParseError) {
            _ = try JSONValue(parsing: bytes)
            return nil
        } catch {
            return error
        }
    }

    static func expectSameVerdict(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(validate(bytes) == parse(bytes), "\(String(decoding: bytes, as: UTF8.self).debugDescription)",
                sourceLocation: sourceLocation)
    }

    @Test("the hostile-input catalogue: every malformed text gets the parser's error code and offset", arguments: [
        "", "   ", "{", "[1,", #"{"a":1}x"#, #"{"a" 1}"#, #"{a:1}"#, "[1,]", "[1 2]", "tru", "trux", "nul",
        #""\x""#, #""\u12G4""#, #""\ud800""#, #""\ud800x""#, #""\udc00""#, #""\ud800\u0041""#, #""\ud800\ud800""#,
        "\"a\nb\"", "\"a\tb\"", "01", "-", "-a", "1.", "1.e5", "1e", "1e+", "1ex", "+1", ".5", "1e400", "-1e400",
        "NaN", "'a'", "[1]]", #""\ud83d\ude00""#, #"{"a":[1,2,{"b":null}],"c":"\u00e9"}"#, "1e308", "-0", "0.5e-3",
    ])
    func catalogue(_ text: String) {
        Self.expectSameVerdict(Array(text.utf8))
    }

    @Test("invalid UTF-8 in strings and keys, before and after escapes", arguments: [
        [0x22, 0xFF, 0x22], [0x22, 0x61, 0xC0, 0xAF, 0x22], [0x22, 0xE0, 0x80, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22],
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xC3, 0x22], [0x22, 0x80, 0x22], [0x22, 0x5C, 0x6E, 0xC3, 0x28, 0x22],
        [0x22, 0xFF, 0x5C, 0x6E, 0x22], [0x7B, 0x22, 0xFE, 0x22, 0x3A, 0x31, 0x7D], [0x22, 0xC3, 0x5C, 0x6E, 0xA9, 0x22],
        [0x22, 0xC3, 0xA9, 0x5C, 0x6E, 0xE2, 0x86, 0x92, 0x22], [0xC3, 0xA9],
    ] as [[UInt8]])
    func invalidUTF8(_ bytes: [UInt8]) {
        Self.expectSameVerdict(bytes)
    }

    /// The string scan reads eight bytes at a time and jumps to the first byte that ends a plain
    /// run; the parser and the validator share it, so they are checked here against what the
    /// text says, with that byte at every offset of a word (and past the last whole word).
    @Test("a quote, an escape, a control byte or bad UTF-8 is found at every offset of a word", arguments: 0..<20)
    func specialByteAtEveryOffset(_ offset: Int) throws {
        let plain = [UInt8](repeating: UInt8(ascii: "a"), count: offset)
        let tail = Array("bcdefghijklmnopq".utf8)
        func string(_ middle: [UInt8]) -> [UInt8] { [0x22] + plain + middle + tail + [0x22] }
        // Accepted, with the right value.
        let cases: [([UInt8], String)] = [
            ([0x5C, 0x22], "\""), ([0x5C, 0x6E], "\n"), ([0x5C, 0x75, 0x30, 0x30, 0x65, 0x39], "é"), ([0xC3, 0xA9], "é"),
            ([0xE2, 0x86, 0x92], "→"), ([], ""),
        ]
        for (middle, decoded) in cases {
            let text = string(middle)
            #expect(Self.validate(text) == nil)
            let value = try JSONValue(parsing: text)
            #expect(value.stringValue == String(repeating: "a", count: offset) + decoded + "bcdefghijklmnopq")
        }
        // Rejected at the byte itself (1 is the opening quote).
        let rejected: [([UInt8], JSONParseError.Code)] = [([0x01], .controlCharacterInString), ([0x0A], .controlCharacterInString),
                                                          ([0xFF], .invalidUTF8), ([0xC3, 0x28], .invalidUTF8)]
        for (middle, code) in rejected {
            let text = string(middle)
            let expected = JSONParseError(code: code, offset: 1 + offset)
            #expect(Self.validate(text) == expected)
            #expect(Self.parse(text) == expected)
        }
        // A quote ends the string there: what follows is trailing data.
        let early = string([0x22])
        #expect(Self.parse(early) == JSONParseError(code: .trailingData, offset: 2 + offset))
        #expect(Self.validate(early) == JSONParseError(code: .trailingData, offset: 2 + offset))
    }

    @Test("the nesting limit: at the limit accepted, one deeper rejected at the same offset")
    func nesting() {
        let limit = JSONValue.maximumNestingDepth
        for depth in [limit, limit + 1] {
            Self.expectSameVerdict(Array((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8))
            Self.expectSameVerdict(Array((String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth)).utf8))
        }
    }

    @Test("every prefix and 20,000 random mutations of a rich line get the parser's verdict")
    func mutations() {
        let line = Array(JSONHostileInputTests.sampleLine.utf8)
        #expect(Self.validate(line) == nil)
        for length in 0..<line.count { Self.expectSameVerdict(Array(line[0..<length])) }
        var rng = SeededGenerator(seed: 11)
        var accepted = 0
        for _ in 0..<20_000 {
            var bytes = line
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                // Bytes that matter to the grammar, often; any byte, sometimes.
                let pool: [UInt8] = [0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D, 0x2C, 0x3A, 0x75, 0x30, 0x2D, 0x65, 0x2E, 0x0A, 0xC3, 0xA9, 0x80, 0xFF]
                let byte = Bool.random(using: &rng) ? pool.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[i] = byte
                case 1: bytes.remove(at: i)
                default: bytes.insert(byte, at: i)
                }
            }
            let verdict = Self.parse(bytes)
            if verdict == nil { accepted += 1 }
            #expect(Self.validate(bytes) == verdict, "\(String(decoding: bytes, as: UTF8.self).debugDescription)")
        }
        #expect(accepted > 100 && accepted < 20_000)  // both kinds of case were exercised
    }

    @Test("random valid documents are accepted")
    func randomDocuments() throws {
        var generator = JSONValueGenerator(rng: SeededGenerator(seed: 12))
        for _ in 0..<2_000 {
            let value = generator.value()
            #expect(Self.validate(value.serialized()) == nil)
        }
    }

    /// The validator's report of two top-level keys.
    static func capture(_ bytes: [UInt8], _ first: StaticString, _ second: StaticString) throws -> (JSONParser.Member, JSONParser.Member) {
        var parser = JSONParser()
        var members: (JSONParser.Member, JSONParser.Member) = (.absent, .absent)
        var failure: JSONParseError?
        bytes.withUnsafeBytes { raw in
            do throws(JSONParseError) { members = try parser.validate(raw, capturing: first, second) } catch { failure = error }
        }
        if let failure { throw failure }
        return members
    }

    @Test("top-level members, located without decoding", arguments: [
        (#"{"type":"user","a":{"type":"x"}}"#, #""user""#), (#"{"a":[{"type":"x"}],"type":"result"}"#, #""result""#),
        (#"{"a":{"type":"x"}}"#, "absent"), (#"[{"type":"x"}]"#, "absent"), (#""type""#, "absent"),
        (#"{"type":"us\u0065r"}"#, #""us\u0065r""#), (#"{"typ\u0065":"user"}"#, "undecided"),
        (#"{"type":"user","typ\u0065":"x"}"#, "undecided"), (#"{"type":"a","type":"b"}"#, "undecided"),
        (#"{"type":1}"#, "1"), (#"{"type" : [1, {"b":2}] }"#, #"[1, {"b":2}]"#), (#"{"type":""}"#, #""""#),
    ])
    func capturedMember(_ text: String, _ expected: String) throws {
        let bytes = Array(text.utf8)
        let (member, same) = try Self.capture(bytes, "type", "type")
        #expect(member == same, "the same key asked twice is reported twice")
        switch member {
        case .absent: #expect(expected == "absent")
        case .undecided: #expect(expected == "undecided")
        case .value(let range): #expect(String(decoding: bytes[range], as: UTF8.self) == expected)
        }
    }

    @Test("two keys are located in one pass, each independently")
    func twoKeys() throws {
        let bytes = Array(#"{"message":{"type":"inner"},"x":1,"type":"user"}"#.utf8)
        let (type, message) = try Self.capture(bytes, "type", "message")
        guard case .value(let t) = type, case .value(let m) = message else { Issue.record("\(type) \(message)"); return }
        #expect(String(decoding: bytes[t], as: UTF8.self) == #""user""#)
        #expect(String(decoding: bytes[m], as: UTF8.self) == #"{"type":"inner"}"#)
    }
}
