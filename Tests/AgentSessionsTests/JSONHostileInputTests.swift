import Foundation
import Testing
@testable import AgentSessions

@Suite struct JSONHostileInputTests {
    static let sampleLine = #"{"type":"assistant","message":{"id":"msg_01","content":[{"type":"text","text":"héllo \"wörld\"\n😀 \u00e9\ud83d\ude00"},{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"ls -la","n":[1,-2,3.5e-7,true,false,null]}}],"usage":{"input_tokens":9}},"session_id":"abc"}"#

    /// Every proper prefix of a sample line is rejected with a typed error (and never traps).
    @Test func everyTruncationIsRejected() throws {
        let bytes = Array(Self.sampleLine.utf8)
        _ = try JSONValue(parsing: bytes)
        for length in 0..<bytes.count {
            do {
                _ = try JSONValue(parsing: Array(bytes[0..<length]))
                Issue.record("prefix of length \(length) was accepted")
            } catch {
                #expect(error.offset <= length)
                // A cut inside a multi-byte character is invalid UTF-8 only if the string
                // closes later; here the input simply ends.
                #expect([.unexpectedEnd, .invalidUTF8].contains(error.code), "length \(length): \(error)")
            }
        }
    }

    @Test(arguments: [
        // (input, code, offset)
        ("", JSONParseError.Code.unexpectedEnd, 0),
        ("   ", .unexpectedEnd, 3),
        ("{", .unexpectedEnd, 1),
        ("[1,", .unexpectedEnd, 3),
        (#"{"a":1}x"#, .trailingData, 7),
        (#"{"a":1} {"b":2}"#, .trailingData, 8),
        (#"{"a" 1}"#, .unexpectedCharacter, 5),
        (#"{a:1}"#, .unexpectedCharacter, 1),
        ("[1,]", .unexpectedCharacter, 3),
        ("[1 2]", .unexpectedCharacter, 3),
        ("tru", .unexpectedEnd, 3),
        ("trux", .unexpectedCharacter, 3),
        ("nul", .unexpectedEnd, 3),
        (#""\x""#, .invalidEscape, 1),
        (#""\u12G4""#, .invalidUnicodeEscape, 5),
        (#""\ud800""#, .invalidUnicodeEscape, 1),
        (#""\ud800x""#, .invalidUnicodeEscape, 1),
        (#""\udc00""#, .invalidUnicodeEscape, 1),
        (#""\ud800\u0041""#, .invalidUnicodeEscape, 1),
        (#""\ud800\ud800""#, .invalidUnicodeEscape, 1),
        ("\"a\nb\"", .controlCharacterInString, 2),
        ("\"a\tb\"", .controlCharacterInString, 2),
        ("01", .invalidNumber, 1),
        ("-", .unexpectedEnd, 1),
        ("-a", .invalidNumber, 1),
        ("1.", .unexpectedEnd, 2),
        ("1.e5", .invalidNumber, 2),
        ("1e", .unexpectedEnd, 2),
        ("1e+", .unexpectedEnd, 3),
        ("1ex", .invalidNumber, 2),
        ("+1", .unexpectedCharacter, 0),
        (".5", .unexpectedCharacter, 0),
        ("1e400", .numberOutOfRange, 0),
        ("-1e400", .numberOutOfRange, 0),
        ("NaN", .unexpectedCharacter, 0),
        ("Infinity", .unexpectedCharacter, 0),
        ("'a'", .unexpectedCharacter, 0),
        ("[1]]", .trailingData, 3),
    ])
    func rejectsMalformedText(input: String, code: JSONParseError.Code, offset: Int) {
        #expect(throws: JSONParseError(code: code, offset: offset)) { try JSONValue(parsing: input) }
    }

    @Test(arguments: [
        // (bytes, offset of the bad byte)
        ([0x22, 0xFF, 0x22], 1),                       // never valid
        ([0x22, 0x61, 0xC0, 0xAF, 0x22], 2),           // overlong '/'
        ([0x22, 0xE0, 0x80, 0xAF, 0x22], 1),           // overlong 3-byte
        ([0x22, 0xED, 0xA0, 0x80, 0x22], 1),           // encoded surrogate U+D800
        ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1),     // above U+10FFFF
        ([0x22, 0xC3, 0x22], 1),                       // truncated sequence
        ([0x22, 0x80, 0x22], 1),                       // lone continuation byte
        ([0x22, 0x5C, 0x6E, 0xC3, 0x28, 0x22], 3),     // after an escape
        ([0x22, 0xFF, 0x5C, 0x6E, 0x22], 1),           // before an escape (found by review)
        ([0x7B, 0x22, 0xFE, 0x22, 0x3A, 0x31, 0x7D], 2), // in a key
    ] as [([UInt8], Int)])
    func rejectsInvalidUTF8(bytes: [UInt8], offset: Int) {
        #expect(throws: JSONParseError(code: .invalidUTF8, offset: offset)) { try JSONValue(parsing: bytes) }
    }

    @Test func rejectsNULBytes() throws {
        #expect(throws: JSONParseError(code: .controlCharacterInString, offset: 2)) { try JSONValue(parsing: [0x22, 0x61, 0x00, 0x22]) }
        #expect(throws: JSONParseError(code: .unexpectedCharacter, offset: 0)) { try JSONValue(parsing: [0x00]) }
        #expect(throws: JSONParseError(code: .trailingData, offset: 2)) { try JSONValue(parsing: [0x7B, 0x7D, 0x00]) }
        #expect(throws: JSONParseError(code: .unexpectedCharacter, offset: 1)) { try JSONValue(parsing: [0x5B, 0x00, 0x5D]) }
        // Escaped NUL is fine.
        #expect(try JSONValue(parsing: #""\u0000""#) == "\u{0}")
    }

    @Test func nestingLimit() throws {
        let limit = JSONValue.maximumNestingDepth
        let ok = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        #expect(try JSONValue(parsing: ok).jsonString == ok)
        let tooDeep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        #expect(throws: JSONParseError(code: .tooDeep, offset: limit)) { try JSONValue(parsing: tooDeep) }
        let objects = String(repeating: #"{"a":"#, count: limit + 1) + "1" + String(repeating: "}", count: limit + 1)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: objects) }
        // Hostile: a million open brackets fails fast, without recursion trouble.
        let hostile = [UInt8](repeating: UInt8(ascii: "["), count: 1_000_000)
        #expect(throws: JSONParseError(code: .tooDeep, offset: limit)) { try JSONValue(parsing: hostile) }
    }

    /// Integers beyond the 64-bit ranges are kept as the nearest Double (the one
    /// documented lossy case); numbers beyond Double's range are rejected.
    @Test func hugeNumbers() throws {
        let big = try JSONValue(parsing: "123456789012345678901234567890")
        #expect(big == .double(1.2345678901234568e29))
        #expect(try JSONValue(parsing: "1" + String(repeating: "0", count: 308)) == .double(1e308))
        #expect(throws: JSONParseError(code: .numberOutOfRange, offset: 0)) { try JSONValue(parsing: "1" + String(repeating: "0", count: 400)) }
        #expect(throws: JSONParseError(code: .numberOutOfRange, offset: 1)) { try JSONValue(parsing: "[1e99999999999999999999]") }
        // Very long but in-range mantissas round correctly.
        #expect(try JSONValue(parsing: "0." + String(repeating: "3", count: 400)) == .double(0.3333333333333333))
    }

    /// Random byte soup and random mutations of a valid line never trap.
    @Test func randomMutationsNeverTrap() throws {
        var rng = SeededGenerator(seed: 7)
        let base = Array(Self.sampleLine.utf8)
        var accepted = 0
        for _ in 0..<5000 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[i] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes.remove(at: i)
                default: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: i)
                }
            }
            if let value = try? JSONValue(parsing: bytes) {
                accepted += 1
                #expect(try JSONValue(parsing: value.serialized()) == value)
            }
        }
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = try? JSONValue(parsing: bytes)
        }
        #expect(accepted < 5000)
    }

    @Test func errorsDescribeThemselves() {
        let error = JSONParseError(code: .trailingData, offset: 7)
        #expect(error.description.contains("trailingData"))
        #expect(error.description.contains("byte 7"))
        #expect(JSONParseError.Code.tooDeep.rawValue == "tooDeep")
    }
}
