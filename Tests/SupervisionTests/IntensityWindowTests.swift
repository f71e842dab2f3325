import Testing
@testable import Supervision

@Suite("Intensity window")
struct IntensityWindowTests {
    /// Records restarts at the given times (in milliseconds) and returns which were allowed.
    func record(_ intensity: RestartIntensity, atMillis times: [Int]) -> [Bool] {
        var window = IntensityWindow(intensity)
        return times.map { window.recordRestart(at: .milliseconds($0)) }
    }

    @Test("exactly maxRestarts restarts in the window are allowed; one more is not", arguments: [0, 1, 3, 10])
    func exactlyMax(_ max: Int) {
        let allowed = record(RestartIntensity(maxRestarts: max, period: .seconds(5)), atMillis: (0...max).map { $0 * 10 })
        #expect(allowed == Array(repeating: true, count: max) + [false])
    }

    @Test("restarts spaced beyond the period never trip it")
    func spaced() {
        let allowed = record(RestartIntensity(maxRestarts: 1, period: .seconds(5)), atMillis: (0..<100).map { $0 * 5_001 })
        #expect(allowed.allSatisfy { $0 })
    }

    @Test("a restart exactly one period old still counts (OTP's rule)")
    func boundary() {
        #expect(record(RestartIntensity(maxRestarts: 1, period: .seconds(5)), atMillis: [0, 5_000]) == [true, false])
    }

    @Test("the window slides: old restarts fall out")
    func slides() {
        // At 6 s the restart at 0 has fallen out (1, 2, 6); a second one at 6 s makes four.
        #expect(record(.default, atMillis: [0, 1_000, 2_000, 6_000, 6_000]) == [true, true, true, true, false])
        // At 7.5 s both 1 and 2 have fallen out.
        #expect(record(.default, atMillis: [0, 1_000, 2_000, 6_000, 7_500]) == [true, true, true, true, true])
    }

    @Test("memory is bounded by maxRestarts + 1")
    func bounded() {
        var window = IntensityWindow(RestartIntensity(maxRestarts: 2, period: .seconds(1000)))
        for i in 0..<1000 { _ = window.recordRestart(at: .milliseconds(i)) }
        #expect(window.count == 3)
    }
}
