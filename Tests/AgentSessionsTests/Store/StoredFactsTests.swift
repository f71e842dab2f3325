import Foundation
import Testing
@testable import AgentSessions
import TestSupport

@Suite("StoredFacts: a save's facts scanned from its text equal those of the parsed messages")
struct StoredFactsTests {
    /// Lines that exercise every branch of the scan: each type the facts read, types that can only
    /// be told by decoding (escaped values or keys, a repeated key, a non-string), and lines the
    /// facts ignore.
    static let catalogue: [String] = [
        #"{"type":"system","subtype":"init","session_id":"s","model":"claude-a"}"#,
        #"{"type":"system","subtype":"init","session_id":"s"}"#,
        #"{"type":"system","subtype":"compact_boundary"}"#,
        #"{"type":"user","message":{"role":"user","content":""}}"#,
        #"{"type":"user","message":{"role":"user","content":"Fix the \"bug\" → now"}}"#,
        #"{"type":"user","message":{"role":"user","content":[{"type":"tool_result","content":"ok"}]}}"#,
        #"{"type":"user","message":{"role":"user","content":[{"type":"text","text":"second prompt"}]}}"#,
        #"{"type":"assistant","message":{"id":"m1","model":"claude-b","content":[{"type":"text","text":"step ✓"}]}}"#,
        #"{"type":"assistant","message":{"id":"m2","content":[{"type":"tool_use","name":"Bash","input":{"type":"x"}}]}}"#,
        #"{"type":"assistant","message":{"id":"m3","model":"claude-c","content":[]}}"#,
        #"{"type":"assistant","message":{"content":[{"type":"text","text":"no id, no model"}]}}"#,
        #"{"message":{"type":"assistant"},"type":"assistant"}"#,
        #"{"type":"result","subtype":"success","total_cost_usd":0.25,"num_turns":2}"#,
        #"{"type":"result","subtype":"error","total_cost_usd":1.5}"#,
        #"{"type":"assist\u0061nt","message":{"model":"claude-escaped","content":"escaped type"}}"#,
        #"{"typ\u0065":"result","total_cost_usd":0.75}"#,
        #"{"type":"user","type":"assistant","message":{"model":"claude-twice","content":"repeated key"}}"#,
        #"{"type":7,"message":{"content":"numeric type"}}"#,
        #"{"type":"stream_event","event":{"type":"assistant"}}"#,
        #"{"subtype":"no type at all","total_cost_usd":9}"#,
        #"{"type":"result","total_cost_usd":0.5}  "#,
        "{\"type\":\"assistant\",\"message\":{\"model\":\"claude-crlf\",\"content\":\"crlf\"}}\r",
        // user lines the scan must tell apart: tool results (no prompt) and everything that may hold one
        #"{"type":"user","message":{"role":"user","content":[{"tool_use_id":"t1","type":"tool_result","content":"ok"}]}}"#,
        #"{"type":"user","message":{"content":[{"type":"tool_result","content":[{"type":"text","text":"nested text"}]}]}}"#,
        #"{"type":"user","message":{"content":[{"type":"tool_result","content":"say \"text\" here"}]}}"#,
        #"{"type":"user","message":{"content":[{"type":"t\u0065xt","text":"escaped block type"}]}}"#,
        #"{"type":"user","message":{"content":[{"type":"text","text":""},{"type":"text","text":""}]}}"#,
        #"{"type":"user","message":{"content":[{"type":"text"}]}}"#,
        #"{"type":"user","message":{"content":"  "}}"#,
        #"{"type":"user","message":{"content":"\u0041 escaped prompt"}}"#,
        #"{"type":"user","message":{"content":7}}"#,
        #"{"type":"user","message":"not an object"}"#,
        #"{"type":"user"}"#,
        #"{"type":"user","message":{"content":"first"},"message":{"content":[]}}"#,
        #"{"type":"user","message":{"content":[],"content":"second content key"}}"#,
        #"{"type":"user","message":{"cont\u0065nt":"escaped key"}}"#,
        #"{"type":"user","message":{"content":null}}"#,
        #"{"type":"user","message":{"content":{"type":"text","text":"an object, not blocks"}}}"#,
        #"{"type":"user","message":{"content":[{"type":"tool_result","content":"tab\tonly"}]}}"#,
        #"{ "type" : "user" , "message" : { "content" : [ { "type" : "text" , "text" : "spaced" } ] } }"#,
        // content arrays told apart block by block
        #"{"type":"user","message":{"content":[{"type":"tool_result","content":"a\nb"},{"type":"text","text":"late text"}]}}"#,
        #"{"type":"user","message":{"content":[{"type":"tool_result","content":"x","type":"text","text":"repeated type"}]}}"#,
        #"{"type":"user","message":{"content":[{"typ\u0065":"text","text":"escaped key"}]}}"#,
        #"{"type":"user","message":{"content":["text",7,null,[{"type":"text","text":"nested"}],{"type":"text","text":"after scalars"}]}}"#,
        #"{"type":"user","message":{"content":[{"type":["text"],"text":"array type"},{"type":7,"text":"number type"}]}}"#,
        #"{"type":"user","message":{"content":[{"text":"no type","content":"x\ny"},{"type":"image","source":{"type":"text"}}]}}"#,
        #"{"type":"user","message":{"content":[{"type":"text\u0020","text":"escaped, not text"}]}}"#,
        #"{"type":"user","message":{"content":[ ]}}"#,
    ]

    @Test("2,000 random transcripts: the same messages and facts as parsing and summarising every line")
    func sameAsParsing() throws {
        var random = SplitMix64(state: 0x5CA1AB1E)
        for _ in 0..<2_000 {
            let lines = (0..<(1 + random.below(14))).map { _ in Self.catalogue[random.below(Self.catalogue.count)] }
            let text = Array((lines.joined(separator: "\n") + "\n").utf8)
            let parsed = try MessageReader.read(text, mode: .strict).messages
            let scanned = try #require(StoredFacts.scanning(text), "\(lines)")
            #expect(scanned.messages == parsed)
            #expect(scanned.facts == StoredFacts(parsed), "\(lines)")
            #expect(SessionCost.total(scanned.messages) == StoredFacts(parsed).cost, "the cost of messages held as text")
        }
    }

    @Test("the turn count, model, summary and cost of a known transcript")
    func knownTranscript() throws {
        let text = Array((conversation("k", cost: 0.4, turns: 3).map { String(decoding: $0.serialized(), as: UTF8.self) }
            .joined(separator: "\n") + "\n").utf8)
        let facts = try #require(StoredFacts.scanning(text)).facts
        #expect(facts == StoredFacts(cost: 0.4, turnCount: 3, model: "claude-test-1", summary: "Fix the bug"))
    }

    @Test("text that is not in the stored form, or has a line that is not a valid object, is left to the parser", arguments: [
        "", "{\"type\":\"user\"}", "\n{\"type\":\"user\"}\n", "{\"type\":\"user\"}\n\n{\"type\":\"user\"}\n",
        "\u{FEFF}{\"type\":\"user\"}\n", " {\"type\":\"user\"}\n", "{\"type\":\"user\"}\n[{\"type\":\"user\"}]\n",
        "{\"type\":\"user\"}\n{\"type\":\"user\",}\n", "{\"type\":\"user\"}\n{\"a\":\"\u{01}\"}\n", "{\"a\":\n{\"b\":1}}\n",
    ])
    func leftToTheParser(_ text: String) {
        #expect(StoredFacts.scanning(Array(text.utf8)) == nil)
    }
}
