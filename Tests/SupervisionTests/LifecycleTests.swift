import Testing
@testable import Supervision

@Suite("Start, shutdown and stop policies", .timeLimit(.minutes(1)))
struct LifecycleTests {
    @Test("a child that fails to start rolls back the started ones in reverse, and start throws")
    func startRollback() async throws {
        let board = Switchboard()
        let failing = ChildSpec.worker(id: "c") { () async throws -> Probe in throw Boom() }
        let supervisor = Supervisor(
            name: "sup", clock: ManualClock(), children: [probe("a", board), probe("b", board), failing, probe("d", board)])
        var events = EventReader(supervisor.events)
        let error = await #expect(throws: SupervisionError.self) { try await supervisor.start() }
        #expect(error?.code == "start_failed")
        if case .startFailed(let child, let underlying)? = error {
            #expect(child == "c")
            #expect(underlying is Boom)
        }
        #expect(await events.rest() == [
            "started a", "started b", "startFailed c boom", "exited b shutdown", "exited a shutdown", "failed sup start_failed",
        ])
        #expect(board.instances(of: "d") == 0)
        #expect(supervisor.diagnostics.liveChildTasks == 0)
        await #expect(throws: SupervisionError.self) { try await supervisor.start() }
    }

    @Test("start returns only when every child runs; shutdown stops them in reverse order")
    func shutdownOrder() async throws {
        let board = Switchboard()
        let supervisor = Supervisor(
            name: "sup", clock: ManualClock(),
            children: [probe("a", board), probe("b", board, shutdown: .brutalKill), probe("c", board)])
        var events = EventReader(supervisor.events)
        try await supervisor.start()
        #expect(supervisor.registry.runningNames == ["a", "b", "c"])
        #expect(await supervisor.countChildren() == ChildCount(specs: 3, active: 3, supervisors: 0, workers: 3))
        await supervisor.shutdown()
        #expect(await events.rest() == [
            "started a", "started b", "started c",
            "exited c shutdown", "exited b killed", "exited a shutdown", "shutDown sup",
        ])
        await supervisor.shutdown()  // idempotent
        #expect(supervisor.registry.runningNames.isEmpty)
    }

    @Test("a child that ignores cancellation is abandoned after its shutdown timeout; the supervisor still finishes")
    func stubbornChild() async throws {
        let board = Switchboard()
        let clock = ManualClock()
        let gate = Gate()
        let supervisor = Supervisor(
            name: "sup", clock: clock,
            children: [
                probe("a", board),
                .worker(id: "s", shutdown: .timeout(.seconds(2))) { Stubborn(gate: gate) },
                probe("c", board),
            ])
        var events = EventReader(supervisor.events)
        try await supervisor.start()
        #expect(await events.take(3) == ["started a", "started s", "started c"])
        let shutdown = Task { await supervisor.shutdown() }
        #expect(await events.take(1) == ["exited c shutdown"])
        await clock.waitForSleepers(count: 1)  // the supervisor waits on s's timeout
        #expect(clock.nextDeadline == clock.now.advanced(by: .seconds(2)))
        clock.advance(by: .seconds(2))
        await shutdown.value
        #expect(await events.rest() == ["exited s killed", "exited a shutdown", "shutDown sup"])
        #expect(supervisor.diagnostics.liveChildTasks == 1)  // the abandoned task, still running
        gate.open()
    }

    @Test("temporary children are not restarted by a sibling's oneForAll; their specs are dropped")
    func temporaryUnderOneForAll() async throws {
        let board = Switchboard()
        let supervisor = Supervisor(
            name: "sup", strategy: .oneForAll, clock: ManualClock(),
            children: [probe("a", board), probe("t", board, restart: .temporary), probe("b", board)])
        var events = EventReader(supervisor.events)
        try await supervisor.start()
        _ = await events.take(3)
        board.send(.crash, to: "b")
        #expect(await events.take(6) == [
            "exited b abnormal(boom)", "exited t shutdown", "exited a shutdown", "deleted t",
            "restarted a #1", "restarted b #1",
        ])
        #expect(await supervisor.whichChildren().map(\.id) == ["a", "b"])
        #expect(board.instances(of: "t") == 1)
        await supervisor.shutdown()
    }

    @Test("run() starts the children, and cancelling it shuts the supervisor down")
    func runAndCancel() async throws {
        let board = Switchboard()
        let supervisor = Supervisor(name: "sup", clock: ManualClock(), children: [probe("a", board), probe("b", board)])
        var events = EventReader(supervisor.events)
        let running = Task { try await supervisor.run() }
        #expect(await events.take(2) == ["started a", "started b"])
        running.cancel()
        try await running.value
        #expect(await events.rest() == ["exited b shutdown", "exited a shutdown", "shutDown sup"])
    }

    @Test("every subscriber sees every event; subscribing after termination gives an empty stream")
    func subscribers() async throws {
        let board = Switchboard()
        let supervisor = Supervisor(name: "sup", clock: ManualClock(), children: [probe("a", board)])
        var first = EventReader(supervisor.events)
        var second = EventReader(supervisor.events)
        try await supervisor.start()
        await supervisor.shutdown()
        let expected = ["started a", "exited a shutdown", "shutDown sup"]
        #expect(await first.rest() == expected)
        #expect(await second.rest() == expected)
        var late = EventReader(supervisor.events)
        #expect(await late.rest().isEmpty)
        #expect(supervisor.diagnostics.eventSubscribers == 0)
    }

    @Test("willShutdown is called before the task is cancelled")
    func willShutdownHook() async throws {
        actor Polite: SupervisedChild {
            let board: Switchboard
            init(board: Switchboard) { self.board = board }
            func run() async throws {
                await idleUntilCancelled()
                _ = board.register("run ended")
            }
            // Records whether `run()` was still running (not yet cancelled) when the hook came.
            func willShutdown() async { _ = board.register(board.instances(of: "run ended") == 0 ? "hook first" : "hook late") }
        }
        let board = Switchboard()
        let supervisor = Supervisor(name: "sup", clock: ManualClock(), children: [.worker(id: "p") { Polite(board: board) }])
        try await supervisor.start()
        await supervisor.shutdown()
        #expect(board.instances(of: "hook first") == 1)
        #expect(board.instances(of: "hook late") == 0)
        #expect(board.instances(of: "run ended") == 1)
    }
}
