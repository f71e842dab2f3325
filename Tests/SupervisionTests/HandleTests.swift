import Testing
@testable import Supervision

@Suite("Handles: call, cast and the registry", .timeLimit(.minutes(1)))
struct HandleTests {
    /// A supervisor of one probe "b" that restarts it one second (on `clock`) after a crash.
    static func restartingAfterOneSecond(_ board: Switchboard, _ clock: ManualClock) -> Supervisor {
        Supervisor(
            name: "sup", backoff: Backoff(initial: .seconds(1), maximum: .seconds(8), resetAfter: .seconds(30)), clock: clock,
            children: [probe("b", board)])
    }

    @Test("a call during a restart waits and succeeds against the new instance")
    func callDuringRestart() async throws {
        let board = Switchboard()
        let clock = ManualClock()
        let supervisor = Self.restartingAfterOneSecond(board, clock)
        let handle = supervisor.handle("b", as: Probe.self)
        #expect(!handle.isRunning)  // usable before start
        var events = EventReader(supervisor.events)
        try await supervisor.start()
        #expect(try await handle.call { $0.number } == 1)

        board.send(.crash, to: "b")
        #expect(await events.take(3) == ["started b", "exited b abnormal(boom)", "scheduled b #1 in 1.0 seconds"])
        #expect(handle.instance == nil)
        let call = Task { try await handle.call(timeout: .seconds(5)) { $0.number } }
        await clock.waitForSleepers(count: 2)  // the backoff timer and the call's timeout
        #expect(handle.waiterCount == 1)
        clock.advance(by: .seconds(1))
        #expect(try await call.value == 2)
        #expect(await events.take(1) == ["restarted b #1"])
        #expect(handle.waiterCount == 0)
        await supervisor.shutdown()
    }

    @Test("a call skipping a stale instance waits for its replacement, even while the stale one is still published")
    func callSkippingStaleInstance() async throws {
        let board = Switchboard()
        let clock = ManualClock()
        let supervisor = Self.restartingAfterOneSecond(board, clock)
        let handle = supervisor.handle("b", as: Probe.self)
        var events = EventReader(supervisor.events)
        try await supervisor.start()
        let first = try #require(handle.instance)
        #expect(try await handle.call(skipping: nil) { $0.number } == 1)  // nothing to skip: an ordinary call
        let call = Task { try await handle.call(timeout: .seconds(5), skipping: first) { $0.number } }
        await clock.waitForSleepers(count: 1)  // the call's timeout: it is waiting, though `first` runs
        #expect(handle.waiterCount == 1)
        #expect(handle.instance === first)
        board.send(.crash, to: "b")
        _ = await events.until("scheduled b")
        await clock.waitForSleepers(count: 2)  // and the backoff timer
        clock.advance(by: .seconds(1))
        #expect(try await call.value == 2)
        #expect(handle.waiterCount == 0)
        await supervisor.shutdown()
    }

    @Test("many concurrent callers during a restart all reach the new instance")
    func concurrentCallsDuringRestart() async throws {
        let board = Switchboard()
        let clock = ManualClock()
        let supervisor = Self.restartingAfterOneSecond(board, clock)
        var events = EventReader(supervisor.events)
        try await supervisor.start()
        board.send(.crash, to: "b")
        _ = await events.until("scheduled b")
        let handle = supervisor.handle("b", as: Probe.self)
        let numbers = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<100 {
                group.addTask { try await handle.call { $0.number } }
            }
            await clock.waitForSleepers(count: 101)  // 100 call timeouts and the backoff timer
            clock.advance(by: .seconds(1))
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(numbers == Array(repeating: 2, count: 100))
        #expect(handle.waiterCount == 0)
        #expect(clock.sleeperCount == 0)
        await supervisor.shutdown()
    }

    @Test("a call to a child that never comes back fails with the typed timeout")
    func callTimeout() async throws {
        let board = Switchboard()
        let clock = ManualClock()
        let supervisor = Supervisor(name: "sup", clock: clock, children: [probe("t", board, restart: .temporary)])
        var events = EventReader(supervisor.events)
        try await supervisor.start()
        board.send(.crash, to: "t")
        #expect(await events.take(3) == ["started t", "exited t abnormal(boom)", "deleted t"])
        let handle = supervisor.handle("t", as: Probe.self)
        let call = Task { try await handle.call(timeout: .seconds(5)) { $0.number } }
        await clock.waitForSleepers(count: 1)
        clock.advance(by: .milliseconds(4_999))
        #expect(handle.waiterCount == 1)
        clock.advance(by: .milliseconds(1))
        let result = await call.result
        #expect(throws: SupervisionError.self) { try result.get() }
        if case .failure(let error as SupervisionError) = result {
            #expect(error.code == "call_timeout")
            #expect(error.description.contains("'t'"))
        }
        #expect(handle.waiterCount == 0)
        #expect(clock.sleeperCount == 0)
        await supervisor.shutdown()
    }

    @Test("cancelling a waiting caller removes its waiter")
    func cancelledCall() async throws {
        let clock = ManualClock()
        let registry = ChildRegistry(clock: clock)
        let handle = registry.handle("nobody", as: Probe.self)
        let call = Task { try await handle.call { $0.number } }
        await clock.waitForSleepers(count: 1)  // the call's timeout: the waiter is registered
        #expect(registry.waiterCount == 1)
        call.cancel()
        await #expect(throws: CancellationError.self) { try await call.value }
        #expect(registry.waiterCount == 0)
        #expect(clock.sleeperCount == 0)
    }

    @Test("a retired handle fails its waiting and later calls at once, until an instance is published again")
    func retiredHandle() async throws {
        struct Gone: Error, Equatable {}
        let board = Switchboard()
        let clock = ManualClock()
        let supervisor = Self.restartingAfterOneSecond(board, clock)
        let handle = supervisor.handle("b", as: Probe.self)
        var events = EventReader(supervisor.events)
        try await supervisor.start()
        board.send(.crash, to: "b")
        _ = await events.until("scheduled b")
        let call = Task { try await handle.call(timeout: .seconds(5)) { $0.number } }
        await clock.waitForSleepers(count: 2)  // the backoff timer and the call's timeout
        handle.retire(Gone())
        await #expect(throws: Gone()) { try await call.value }
        #expect(handle.waiterCount == 0)
        #expect(clock.sleeperCount == 1)  // the call's timer is gone; the backoff timer stays
        await #expect(throws: Gone()) { try await handle.call(timeout: .seconds(5)) { $0.number } }
        clock.advance(by: .seconds(1))
        #expect(await events.take(1) == ["restarted b #1"])
        #expect(try await handle.call { $0.number } == 2)
        await supervisor.shutdown()
    }

    @Test("an error thrown by a call body reaches the caller and does not crash the child")
    func callErrorDoesNotCrash() async throws {
        let board = Switchboard()
        let supervisor = Supervisor(name: "sup", clock: ManualClock(), children: [probe("b", board)])
        try await supervisor.start()
        let handle = supervisor.handle("b", as: Probe.self)
        await #expect(throws: Boom.self) { try await handle.call { _ in throw Boom() } }
        #expect(try await handle.call { $0.number } == 1)
        #expect(board.instances(of: "b") == 1)
        await supervisor.shutdown()
    }

    @Test("a throwing cast crashes the instance and the strategy restarts it")
    func throwingCast() async throws {
        let board = Switchboard()
        let supervisor = Supervisor(name: "sup", clock: ManualClock(), children: [probe("b", board)])
        var events = EventReader(supervisor.events)
        try await supervisor.start()
        let handle = supervisor.handle("b", as: Probe.self)
        #expect(handle.cast { _ in throw Boom() })
        #expect(await events.take(3) == ["started b", "exited b abnormal(boom)", "restarted b #1"])
        #expect(try await handle.call { $0.number } == 2)
        await supervisor.shutdown()
        #expect(supervisor.diagnostics.liveCastTasks == 0)
    }

    @Test("casts to one instance run in the order they were sent")
    func castOrder() async throws {
        let board = Switchboard()
        let supervisor = Supervisor(name: "sup", clock: ManualClock(), children: [probe("b", board)])
        try await supervisor.start()
        let handle = supervisor.handle("b", as: Probe.self)
        for i in 0..<50 { handle.cast { await $0.append("\(i)") } }
        let done = Gate()
        handle.cast { _ in done.open() }
        await done.wait()
        #expect(try await handle.call { await $0.entries() } == (0..<50).map(String.init))
        await supervisor.shutdown()
    }

    @Test("a cast with no running instance is dropped; a handle of the wrong type reports a mismatch")
    func droppedCastAndTypeMismatch() async throws {
        let board = Switchboard()
        let supervisor = Supervisor(name: "sup", clock: ManualClock(), children: [probe("b", board)])
        #expect(!supervisor.handle("b", as: Probe.self).cast { _ in })
        try await supervisor.start()
        let wrong = supervisor.handle("b", as: Supervisor.self)
        let error = await #expect(throws: SupervisionError.self) { try await wrong.call { $0.name } }
        #expect(error?.code == "type_mismatch")
        #expect(supervisor.registry.instance(named: "b") is Probe)
        await supervisor.shutdown()
    }
}
