import Foundation
import Testing
import AgentSessions

@Suite struct MessageTests {
    @Test func keepsUnknownTypesAndFieldsLosslessly() throws {
        let line = #"{"type":"stream_event","event":{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}},"session_id":"s","parent_tool_use_id":null,"uuid":"u","x_future":{"big":18446744073709551615,"neg":-9223372036854775808,"f":1e-07}}"#
        let message = try Message(parsing: line)
        #expect(message.type == "stream_event")
        #expect(message.serialized() == Array(line.utf8))
        #expect(message.json["x_future"]?["big"] == .uint(.max))
        #expect(try Message(parsing: Data(line.utf8)) == message)
        #expect(try Message(parsing: Array(line.utf8)) == message)
        let fromRaw = try Array(line.utf8).withUnsafeBytes { raw throws(MessageError) in try Message(parsing: raw) }
        #expect(fromRaw == message)
    }

    @Test func rejectsNonObjects() {
        #expect(throws: MessageError.notAnObject(.array)) { try Message(json: [1, 2]) }
        #expect(throws: MessageError.notAnObject(.null)) { try Message(parsing: "null") }
        #expect(throws: MessageError.invalidJSON(JSONParseError(code: .unexpectedEnd, offset: 1))) { try Message(parsing: "{") }
        #expect(MessageError.notAnObject(.array).code == .notAnObject)
    }

    @Test func typedAccessOnAnAssistantLine() throws {
        let message = try Message(parsing: #"{"type":"assistant","message":{"id":"msg_1","model":"claude-x","content":[{"type":"thinking","thinking":"hmm"},{"type":"text","text":"a"},{"type":"tool_use","id":"t","name":"Edit","input":{"path":"p"}},{"type":"text","text":"b"}],"usage":{"input_tokens":1,"output_tokens":2,"cache_creation_input_tokens":3,"cache_read_input_tokens":4,"service_tier":"standard"}},"session_id":"s"}"#)
        #expect(message.apiMessageID == "msg_1")
        #expect(message.model == "claude-x")
        #expect(message.text == "a\nb")
        #expect(message.toolUses == [ToolUse(id: "t", name: "Edit", input: ["path": "p"])])
        #expect(message.usage == TokenUsage(inputTokens: 1, outputTokens: 2, cacheCreationInputTokens: 3, cacheReadInputTokens: 4))
        #expect(message.usage?.totalTokens == 10)
        #expect(message.totalCostUSD == nil)
        #expect(message.sessionID == "s")
        #expect(message.subtype == nil)
    }

    @Test func typedAccessOnAResultLine() throws {
        let message = try Message(parsing: #"{"type":"result","subtype":"success","is_error":false,"duration_ms":73488,"num_turns":3,"result":"Done.","session_id":"s","total_cost_usd":0.138522,"cost_usd":9.0,"usage":{"input_tokens":17,"output_tokens":875}}"#)
        #expect(message.totalCostUSD == 0.138522)  // total_cost_usd wins over cost_usd
        #expect(message.isError == false)
        #expect(message.durationMS == 73488)
        #expect(message.numTurns == 3)
        #expect(message.text == "Done.")
        #expect(message.usage == TokenUsage(inputTokens: 17, outputTokens: 875))
    }

    @Test(arguments: [
        ("2025-11-30T21:13:21Z", 1_764_537_201.0),
        ("2025-11-30T21:13:21.250Z", 1_764_537_201.25),
        ("2025-11-30T23:13:21+02:00", 1_764_537_201.0),
        ("2025-11-30T16:43:21-0430", 1_764_537_201.0),
        ("1970-01-01T00:00:00Z", 0),
        ("2000-02-29T12:00:00Z", 951_825_600),
    ])
    func timestamps(text: String, seconds: Double) throws {
        let message = Message(object: ["timestamp": .string(text)])
        let date = try #require(message.timestamp)
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.0005)
    }

    @Test(arguments: ["", "2025-11-30", "2025-11-30T21:13:21", "2025-13-30T21:13:21Z", "2025-11-30T21:13:21.Z", "2025-11-30T21:13:21Zjunk", "yesterday"])
    func malformedTimestamps(text: String) {
        #expect(Message(object: ["timestamp": .string(text)]).timestamp == nil)
    }
}
