import Testing
@testable import AgentSessions

@Suite struct JSONValueTests {
    @Test func parsesAndWritesASimpleObject() throws {
        let text = #"{"a":1,"b":[true,false,null],"c":"x\ny","d":1.5}"#
        let value = try JSONValue(parsing: text)
        #expect(value.jsonString == text)
    }
}
