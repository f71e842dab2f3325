import Testing
@testable import SessionsCommand

@Test func packageBuilds() { #expect(Bool(true)) }
