import Testing
@testable import Supervision

@Suite("Backoff on a live supervisor", .timeLimit(.minutes(1)))
struct BackoffRestartTests {
    @Test("restart delays follow the configured sequence and reset after a quiet period")
    func sequenceAndReset() async throws {
        let board = Switchboard()
        let clock = ManualClock()
        let backoff = Backoff(initial: .seconds(1), maximum: .seconds(4), resetAfter: .seconds(10))
        let supervisor = Supervisor(
            name: "sup", intensity: .init(maxRestarts: 100, period: .seconds(5)), backoff: backoff, clock: clock,
            children: [probe("b", board)])
        var events = EventReader(supervisor.events)
        try await supervisor.start()
        _ = await events.take(1)

        func crashAndRestart(expectAttempt attempt: Int, delay: Duration) async {
            board.send(.crash, to: "b")
            #expect(await events.take(2) == ["exited b abnormal(boom)", "scheduled b #\(attempt) in \(delay)"])
            await clock.waitForSleepers(count: 1)
            #expect(clock.nextDeadline == clock.now.advanced(by: delay))
            clock.advance(by: delay - .nanoseconds(1))
            #expect(clock.sleeperCount == 1)  // not yet
            #expect(await supervisor.whichChildren().map(\.status) == [.restarting])
            clock.advance(by: .nanoseconds(1))
            #expect(await events.take(1) == ["restarted b #\(attempt)"])
        }

        await crashAndRestart(expectAttempt: 1, delay: .seconds(1))
        await crashAndRestart(expectAttempt: 2, delay: .seconds(2))
        await crashAndRestart(expectAttempt: 3, delay: .seconds(4))
        await crashAndRestart(expectAttempt: 4, delay: .seconds(4))
        clock.advance(by: .seconds(10))  // quiet period
        await crashAndRestart(expectAttempt: 1, delay: .seconds(1))
        await supervisor.shutdown()
        #expect(supervisor.diagnostics.pendingTimers == 0)
    }

    @Test("shutdown during a backoff delay cancels the pending restart")
    func shutdownCancelsPendingRestart() async throws {
        let board = Switchboard()
        let clock = ManualClock()
        let supervisor = Supervisor(
            name: "sup", backoff: Backoff(initial: .seconds(1), maximum: .seconds(4), resetAfter: .seconds(10)), clock: clock,
            children: [probe("a", board), probe("b", board)])
        var events = EventReader(supervisor.events)
        try await supervisor.start()
        board.send(.crash, to: "b")
        #expect(await events.take(4) == ["started a", "started b", "exited b abnormal(boom)", "scheduled b #1 in 1.0 seconds"])
        await supervisor.shutdown()
        #expect(await events.rest() == ["exited a shutdown", "shutDown sup"])
        #expect(board.instances(of: "b") == 1)
        #expect(clock.sleeperCount == 0)
    }
}
