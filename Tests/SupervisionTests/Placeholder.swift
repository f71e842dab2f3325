import Testing
@testable import Supervision

@Test func packageBuilds() { #expect(Bool(true)) }
