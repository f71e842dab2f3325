import Foundation
import Testing
import AgentSessions

/// The traps of DESIGN §4, each on a hand-written fixture, with the helper's answers.
@Suite struct SessionFixtureTests {
    static func messages(_ text: String) throws -> [Message] {
        try MessageReader.read(Array(text.utf8), mode: .strict).messages
    }

    @Test func splitAssistantMessagesShareOneAPIMessage() throws {
        let messages = try Self.messages(Fixtures.splitAssistant)
        #expect(messages.count == 7)
        let turns = Session.countTurns(messages)
        #expect(turns == TurnCounts(assistantMessages: 4, apiMessages: 2, reportedTurns: 2))
        // Usage counts msg_A once (its last line) and msg_B once.
        #expect(Session.usage(messages) == TokenUsage(inputTokens: 13, outputTokens: 48, cacheCreationInputTokens: 120, cacheReadInputTokens: 2100))
        #expect(Session.calculateCost(messages) == 0.0123)
        #expect(Session.extractSessionID(messages) == Fixtures.sessionID)
        #expect(Session.model(messages) == "claude-sonnet-4-5-20250929")
        #expect(Session.duration(messages) == 5123)
        #expect(Session.outcome(messages) == .success)
        // No user prompt (only a tool result), so the first assistant text.
        #expect(Session.summary(messages) == "Let me look.")
        #expect(messages[3].toolUses == [ToolUse(id: "toolu_1", name: "Bash", input: ["command": "ls -la", "timeout": 120000])])
        #expect(messages[3].apiMessageID == "msg_A")
        #expect(messages[4].text == "")
        #expect(messages[6].text == "The directory is empty.")
        let summary = Session.summarize(messages)
        #expect(summary.turns == turns)
        #expect(summary.messageCount == 7)
        #expect(summary.costUSD == 0.0123)
    }

    @Test func legacyCostFields() throws {
        let messages = try Self.messages(Fixtures.legacyCost)
        #expect(Session.calculateCost(messages) == 0.0042)
        #expect(messages.last?.totalCostUSD == 0.0042)
        let older = try Self.messages(Fixtures.legacyTotalCost)
        #expect(Session.calculateCost(older) == 0.5)
        #expect(Session.extractSessionID(older) == "s-legacy")  // no system message: any message
        // The model of an init-less stream comes from the assistant message.
        #expect(Session.model(messages) == "claude-sonnet-4-5-20250929")
    }

    @Test func missingResult() throws {
        let messages = try Self.messages(Fixtures.missingResult)
        #expect(Session.calculateCost(messages) == 0)
        #expect(Session.outcome(messages) == .incomplete)
        #expect(Session.duration(messages) == nil)
        #expect(Session.countTurns(messages) == TurnCounts(assistantMessages: 1, apiMessages: 1, reportedTurns: nil))
        #expect(Session.summary(messages) == "Starting the refactor…")
    }

    @Test(arguments: ["error_max_turns", "error_during_execution", "error_max_budget_usd"])
    func errorSubtypesWithIsErrorFalse(subtype: String) throws {
        let messages = try Self.messages(Fixtures.errorResult(subtype: subtype))
        #expect(messages.last?.isError == false)
        #expect(Session.outcome(messages) == .error(subtype: subtype))
        #expect(Session.calculateCost(messages) == 1.25)
        #expect(Session.countTurns(messages).reportedTurns == 10)
    }

    @Test func isErrorTrueOnASuccessSubtypeIsAnError() throws {
        let text = Fixtures.initLine + "\n" + #"{"type":"result","subtype":"success","is_error":true,"result":"API Error: 529 overloaded","session_id":"x","total_cost_usd":0}"#
        #expect(Session.outcome(try Self.messages(text)) == .error(subtype: "success"))
    }

    @Test func hookLinesBeforeInitAndAfterResult() throws {
        let messages = try Self.messages(Fixtures.hooksAroundInit)
        #expect(messages.count == 8)
        #expect(messages.first?.subtype == "hook_response")
        #expect(Session.extractSessionID(messages) == Fixtures.sessionID)
        // The last result counts: the cost is cumulative over the process.
        #expect(Session.calculateCost(messages) == 0.25)
        #expect(Session.duration(messages) == 2500)
        #expect(Session.countTurns(messages) == TurnCounts(assistantMessages: 2, apiMessages: 2, reportedTurns: 2))
        #expect(Session.model(messages) == "claude-sonnet-4-5-20250929")
        #expect(Session.outcome(messages) == .success)
    }

    @Test func nonJSONLineStrictAndLenient() throws {
        let bytes = Array(Fixtures.nonJSONLine.utf8)
        #expect(throws: MessageStreamError.self) { try MessageReader.read(bytes, mode: .strict) }
        do {
            _ = try MessageReader.read(bytes, mode: .strict)
        } catch {
            #expect(error.code == .badLine)
            #expect(error.lineNumber == 3)
            if case .badLine(_, .invalidJSON(let parseError)) = error {
                #expect(parseError.code == .unexpectedCharacter)
                #expect(parseError.offset == 1)
            } else {
                Issue.record("unexpected error \(error)")
            }
        }
        let result = try MessageReader.read(bytes, mode: .lenient)
        #expect(result.messages.count == 3)
        #expect(result.badLines.count == 1)
        #expect(result.badLines.first?.lineNumber == 3)
        let lines = Fixtures.nonJSONLine.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(result.badLines.first?.byteOffset == lines[0].utf8.count + lines[1].utf8.count + 2)
        #expect(result.badLines.first?.reason.code == .invalidJSON)
        #expect(Session.calculateCost(result.messages) == 0.01)
        #expect(Session.summary(result.messages) == "Hello 😀")
    }

    @Test func noFinalNewlineCRLFAndBlankLines() throws {
        let messages = try Self.messages(Fixtures.noFinalNewline)
        #expect(messages.map(\.type) == ["system", "assistant", "result"])
        #expect(messages[1].text == "plain string content")
        #expect(Session.calculateCost(messages) == 0.02)
        #expect(Session.countTurns(messages) == TurnCounts(assistantMessages: 1, apiMessages: 1, reportedTurns: 1))
    }

    @Test func transcriptWithCamelCaseFields() throws {
        let messages = try Self.messages(Fixtures.transcript)
        #expect(messages.count == 4)
        #expect(messages[0].type == "summary")
        #expect(messages[0].sessionID == nil)
        #expect(Session.extractSessionID(messages) == "9d3b6c1e-aaaa-4bbb-8ccc-000000000002")
        #expect(messages[1].uuid == "u-1")
        #expect(messages[1].parentUUID == nil)
        #expect(messages[2].parentUUID == "u-1")
        #expect(messages[1].timestamp == Date(timeIntervalSince1970: 1_764_537_201.123))
        #expect(messages[2].timestamp == Date(timeIntervalSince1970: 1_764_537_205))
        #expect(messages[3].timestamp == Date(timeIntervalSince1970: 1_764_537_206.5 - 3600))
        #expect(Session.model(messages) == "claude-opus-4-1-20250805")
        #expect(Session.summary(messages) == "Why does the upload test fail on CI but not locally? It fails about one run in five.")
        #expect(Session.outcome(messages) == .incomplete)
        #expect(Session.calculateCost(messages) == 0)
        let summary = Session.summarize(messages)
        #expect(summary.firstTimestamp == messages[1].timestamp)
        #expect(summary.lastTimestamp == messages[3].timestamp)
        #expect(summary.usage == TokenUsage(inputTokens: 12, outputTokens: 30, cacheCreationInputTokens: 0, cacheReadInputTokens: 500))
        #expect(messages[2].toolUses.map(\.name) == ["Read"])
    }

    @Test func summaryIsCutOnACharacterBoundary() throws {
        let prompt = String(repeating: "a", count: 199) + "👩‍👩‍👧‍👦" + "tail"
        let line = JSONValue.object(["type": "user", "message": ["role": "user", "content": .string(prompt)], "session_id": "s"]).jsonString
        let summary = try #require(Session.summary(Self.messages(line)))
        #expect(summary.count == 200)
        #expect(summary.hasSuffix("👩‍👩‍👧‍👦"))
        #expect(Session.summary([Message]()) == nil)
    }

    @Test(arguments: [Fixtures.splitAssistant, Fixtures.legacyCost, Fixtures.missingResult, Fixtures.hooksAroundInit, Fixtures.transcript, Fixtures.noFinalNewline])
    func arrayAndSequenceSummariesAgree(text: String) throws {
        let messages = try Self.messages(text)
        let summary = Session.summarize(messages)
        #expect(summary == Session.summarize(messages.lazy.map { $0 }))
        #expect(summary.sessionID == Session.extractSessionID(messages))
        #expect(summary.costUSD == Session.calculateCost(messages))
        #expect(summary.durationMS == Session.duration(messages))
        #expect(summary.outcome == Session.outcome(messages))
        #expect(summary.messageCount == messages.count)
    }

    @Test func emptySession() {
        let summary = Session.summarize([Message]())
        #expect(summary.sessionID == nil)
        #expect(summary.costUSD == 0)
        #expect(summary.outcome == .incomplete)
        #expect(summary.usage == .zero)
        #expect(summary.turns == TurnCounts(assistantMessages: 0, apiMessages: 0, reportedTurns: nil))
    }
}
