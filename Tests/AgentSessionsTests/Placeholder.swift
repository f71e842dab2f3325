import Testing
@testable import AgentSessions

@Test func packageBuilds() { #expect(Bool(true)) }
