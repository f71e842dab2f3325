import Synchronization
import Testing
@testable import Supervision

/// A child that crashes as soon as it runs when `crash`, else idles until stopped.
actor Crasher: SupervisedChild {
    let crash: Bool
    init(crash: Bool) { self.crash = crash }
    func run() async throws {
        if crash { throw Boom() }
        await idleUntilCancelled()
    }
}

@Suite("Stress", .timeLimit(.minutes(1)))
struct StressTests {
    @Test("10,000 crash/restart cycles under oneForOne leak no tasks, waiters or timers")
    func tenThousandCycles() async throws {
        let cycles = 10_000
        let started = Atomic<Int>(0)
        let (done, doneContinuation) = AsyncStream.makeStream(of: Void.self)
        let clock = ManualClock()
        let supervisor = Supervisor(
            name: "stress", intensity: .init(maxRestarts: cycles + 1, period: .seconds(5)), clock: clock,
            children: [
                .worker(id: "crasher") {
                    let n = started.add(1, ordering: .relaxed).newValue
                    if n == cycles + 1 { doneContinuation.yield() }
                    return Crasher(crash: n <= cycles)
                }
            ])
        try await supervisor.start()
        for await _ in done { break }

        // Answered through the mailbox, so only after the last restart has completed.
        #expect(await supervisor.countChildren() == ChildCount(specs: 1, active: 1, supervisors: 0, workers: 1))
        let diagnostics = supervisor.diagnostics
        #expect(started.load(ordering: .relaxed) == cycles + 1)
        #expect(diagnostics.liveChildTasks == 1)
        #expect(diagnostics.pendingTimers == 0)
        #expect(diagnostics.callWaiters == 0)
        #expect(diagnostics.liveCastTasks == 0)
        #expect(await supervisor.whichChildren().map(\.status) == [.running])
        #expect(clock.sleeperCount == 0)

        await supervisor.shutdown()
        #expect(supervisor.diagnostics.liveChildTasks == 0)
        #expect(supervisor.diagnostics.pendingTimers == 0)
    }

    @Test("1,000 cycles of calls racing throwing casts leave no waiters or cast tasks")
    func castCycles() async throws {
        let board = Switchboard()
        let clock = ManualClock()
        let supervisor = Supervisor(
            name: "casts", intensity: .init(maxRestarts: 2_000, period: .seconds(5)), clock: clock,
            children: [probe("b", board)])
        var events = EventReader(supervisor.events)
        try await supervisor.start()
        let handle = supervisor.handle("b", as: Probe.self)
        for cycle in 1...1_000 {
            let number = try await handle.call(timeout: .seconds(3600)) { $0.number }
            #expect(number == cycle)
            handle.cast { _ in throw Boom() }
            _ = await events.until("restarted b")
        }
        _ = try await handle.call(timeout: .seconds(3600)) { $0.number }
        let diagnostics = supervisor.diagnostics
        #expect(diagnostics.callWaiters == 0)
        #expect(diagnostics.liveCastTasks == 0)
        #expect(diagnostics.liveChildTasks == 1)
        await supervisor.shutdown()
        #expect(supervisor.diagnostics.liveChildTasks == 0)
    }
}
