import Testing
@testable import Supervision

@Suite("Backoff sequence")
struct BackoffTests {
    @Test("delays double up to the cap")
    func sequence() {
        let backoff = Backoff(initial: .seconds(1), maximum: .seconds(4), resetAfter: .seconds(10))
        let delays = (1...6).map { backoff.delay(forAttempt: $0) }
        #expect(delays == [.seconds(1), .seconds(2), .seconds(4), .seconds(4), .seconds(4), .seconds(4)])
    }

    @Test("a custom multiplier", arguments: [(1.5, [100, 150, 225, 337.5, 500]), (3.0, [100, 300, 500, 500, 500])] as [(Double, [Double])])
    func multiplier(_ multiplier: Double, _ millis: [Double]) {
        let backoff = Backoff(initial: .milliseconds(100), multiplier: multiplier, maximum: .milliseconds(500), resetAfter: .seconds(1))
        let delays = (1...5).map { backoff.delay(forAttempt: $0) }
        #expect(delays == millis.map { Duration.microseconds(Int64($0 * 1000)) })
    }

    @Test("jitter adds a random fraction and stays under the cap")
    func jitter() {
        let backoff = Backoff(initial: .seconds(1), maximum: .seconds(3), jitter: 0.2, resetAfter: .seconds(10), random: { 0.5 })
        #expect(backoff.delay(forAttempt: 1) == .milliseconds(1100))
        #expect(backoff.delay(forAttempt: 2) == .milliseconds(2200))
        #expect(backoff.delay(forAttempt: 3) == .seconds(3))
    }

    @Test("attempts reset after a quiet period, not before")
    func history() {
        var history = RestartHistory()
        var attempts: [Int] = []
        attempts.append(history.next(at: .seconds(0), resetAfter: .seconds(10)))
        attempts.append(history.next(at: .seconds(9), resetAfter: .seconds(10)))
        attempts.append(history.next(at: .seconds(18), resetAfter: .seconds(10)))
        attempts.append(history.next(at: .seconds(28), resetAfter: .seconds(10)))
        attempts.append(history.next(at: .seconds(100), resetAfter: nil))
        #expect(attempts == [1, 2, 3, 1, 2])
    }
}
