import Foundation
import Testing
import AgentSessions

@Suite struct MessageReaderTests {
    static let a = #"{"type":"system","subtype":"init","session_id":"s1"}"#
    static let b = #"{"type":"assistant","message":{"id":"m1","content":[{"type":"text","text":"x"}]},"session_id":"s1"}"#
    static let c = #"{"type":"result","subtype":"success","is_error":false,"total_cost_usd":0.5,"session_id":"s1"}"#

    @Test(arguments: [
        "\(a)\n\(b)\n\(c)\n",
        "\(a)\n\(b)\n\(c)",
        "\(a)\r\n\(b)\r\n\(c)\r\n",
        "\(a)\r\n\(b)\n\(c)",
        "\n\n\(a)\n  \n\t\r\n\(b)\n\n\(c)\n\n",
        "\u{FEFF}\(a)\n\(b)\n\(c)\n",
    ])
    func splitsLines(text: String) throws {
        for mode in [MessageParsingMode.strict, .lenient] {
            let result = try MessageReader.read(Array(text.utf8), mode: mode)
            #expect(result.messages.map(\.type) == ["system", "assistant", "result"])
            #expect(result.badLines.isEmpty)
        }
    }

    // "not json" fails at byte 1: "n" could start `null`.
    @Test func lineNumbersCountBlankLines() throws {
        let text = "\(Self.a)\n\n   \nnot json\n\(Self.c)\n"
        #expect(throws: MessageStreamError.badLine(lineNumber: 4, reason: .invalidJSON(JSONParseError(code: .unexpectedCharacter, offset: 1)))) {
            try MessageReader.read(Array(text.utf8), mode: .strict)
        }
        let result = try MessageReader.read(Array(text.utf8), mode: .lenient)
        #expect(result.messages.count == 2)
        #expect(result.badLines == [BadLine(lineNumber: 4, byteOffset: Self.a.utf8.count + 6, reason: .invalidJSON(JSONParseError(code: .unexpectedCharacter, offset: 1)))])
    }

    @Test func nonObjectLinesAreBad() throws {
        let text = "\(Self.a)\n42\n\"text\"\n[1,2]\n\(Self.c)\n"
        let result = try MessageReader.read(Array(text.utf8), mode: .lenient)
        #expect(result.messages.count == 2)
        #expect(result.badLines.map(\.lineNumber) == [2, 3, 4])
        #expect(result.badLines.map(\.reason) == [.notAnObject(.integer), .notAnObject(.string), .notAnObject(.array)])
    }

    @Test func strictModeReturnsNothingOnABadLastLine() {
        let text = "\(Self.a)\n\(Self.b)\n{\"type\":\"result\",\"subtype\""  // torn last line
        #expect(throws: MessageStreamError.badLine(lineNumber: 3, reason: .invalidJSON(JSONParseError(code: .unexpectedEnd, offset: 26)))) {
            try MessageReader.read(Array(text.utf8), mode: .strict)
        }
    }

    @Test func linesOverOneMegabyte() throws {
        let big = String(repeating: "é😀x\\n", count: 200_000)
        let line = #"{"type":"user","message":{"role":"user","content":"\#(big)"}}"#
        #expect(line.utf8.count > 1_000_000)
        let text = "\(Self.a)\n\(line)\n\(Self.c)"
        let result = try MessageReader.read(Array(text.utf8), mode: .strict)
        #expect(result.messages.count == 3)
        #expect(result.messages[1].serialized() == Array(line.utf8))
    }

    @Test func jsonOutputFormats() throws {
        // A single result object (older `--output-format json`).
        let single = try MessageReader.read(Array(Self.c.utf8), mode: .strict)
        #expect(single.messages.map(\.type) == ["result"])
        // An array of messages on one line (newer CLIs).
        let array = try MessageReader.read(Array("[\(Self.a),\(Self.b),\(Self.c)]\n".utf8), mode: .strict)
        #expect(array.messages.map(\.type) == ["system", "assistant", "result"])
        // The same, pretty-printed over many lines.
        let pretty = "[\n  \(Self.a),\n  \(Self.b),\n  \(Self.c)\n]\n"
        #expect(try MessageReader.read(Array(pretty.utf8), mode: .strict).messages.count == 3)
        // A pretty-printed single object.
        let prettyObject = "{\n  \"type\": \"result\",\n  \"total_cost_usd\": 0.5\n}\n"
        let object = try MessageReader.read(Array(prettyObject.utf8), mode: .strict)
        #expect(Session.calculateCost(object.messages) == 0.5)
    }

    @Test func dataAndFileEntryPoints() throws {
        let text = "\(Self.a)\n\(Self.b)\n\(Self.c)\n"
        #expect(try MessageReader.read(Data(text.utf8), mode: .strict).messages.count == 3)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("reader-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(text.utf8).write(to: url)
        #expect(try MessageReader.read(contentsOf: url, mode: .strict).messages.count == 3)
        let missing = url.appendingPathExtension("missing")
        do {
            _ = try MessageReader.read(contentsOf: missing, mode: .lenient)
            Issue.record("reading a missing file succeeded")
        } catch {
            #expect(error.code == .readFailed)
            #expect(error.description.contains(missing.lastPathComponent))
        }
    }

    @Test func emptyInput() throws {
        #expect(try MessageReader.read([UInt8](), mode: .strict).messages.isEmpty)
        #expect(try MessageReader.read(Array("\n\n".utf8), mode: .strict).messages.isEmpty)
    }
}
