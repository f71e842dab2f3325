import Testing
@testable import Supervision

@Suite("Restart intensity and escalation", .timeLimit(.minutes(1)))
struct IntensityTests {
    @Test("exactly maxRestarts restarts are allowed; one more stops all children in reverse and fails", arguments: [0, 1, 3])
    func intensity(_ maxRestarts: Int) async throws {
        let board = Switchboard()
        let supervisor = Supervisor(
            name: "sup", intensity: .init(maxRestarts: maxRestarts, period: .seconds(5)), clock: ManualClock(),
            children: [probe("a", board), probe("b", board), probe("c", board)])
        var events = EventReader(supervisor.events)
        try await supervisor.start()
        _ = await events.take(3)
        for attempt in 0..<maxRestarts {
            board.send(.crash, to: "b")
            #expect(await events.take(2) == ["exited b abnormal(boom)", "restarted b #\(attempt + 1)"])
        }
        board.send(.crash, to: "b")
        #expect(await events.rest() == [
            "exited b abnormal(boom)", "intensityExceeded sup",
            "exited c shutdown", "exited a shutdown", "failed sup intensity_exceeded",
        ])
        let error = await #expect(throws: SupervisionError.self) { try await supervisor.awaitTermination() }
        #expect(error?.code == "intensity_exceeded")
        #expect(error?.description.contains("'sup'") == true)
        #expect(supervisor.diagnostics.liveChildTasks == 0)
        #expect(supervisor.registry.runningNames.isEmpty)
    }

    @Test("restarts spaced beyond the window never trip it")
    func spacedRestarts() async throws {
        let board = Switchboard()
        let clock = ManualClock()
        let supervisor = Supervisor(
            name: "sup", intensity: .init(maxRestarts: 1, period: .seconds(5)), clock: clock,
            children: [probe("a", board)])
        var events = EventReader(supervisor.events)
        try await supervisor.start()
        _ = await events.take(1)
        for attempt in 1...10 {
            board.send(.crash, to: "a")
            #expect(await events.take(2) == ["exited a abnormal(boom)", "restarted a #\(attempt)"])
            clock.advance(by: .milliseconds(5_001))
        }
        await supervisor.shutdown()
        #expect(await events.rest() == ["exited a shutdown", "shutDown sup"])
    }

    @Test("a nested supervisor's intensity failure is an abnormal exit its parent handles with its own strategy")
    func escalation() async throws {
        let board = Switchboard()
        let clock = ManualClock()
        let parent = Supervisor(
            name: "parent", strategy: .oneForAll, clock: clock,
            children: [
                probe("p", board),
                .supervisor(id: "inner") {
                    Supervisor(
                        name: "inner", intensity: .init(maxRestarts: 1, period: .seconds(5)), clock: clock,
                        children: [probe("w", board)])
                },
            ])
        var events = EventReader(parent.events)
        try await parent.start()
        #expect(await events.take(2) == ["started p", "started inner"])
        #expect(board.instances(of: "w") == 1)  // the inner tree was fully started first

        let inner = try #require(parent.handle("inner", as: Supervisor.self).instance)
        var innerEvents = EventReader(inner.events)
        board.send(.crash, to: "w")
        #expect(await innerEvents.take(2) == ["exited w abnormal(boom)", "restarted w #1"])
        board.send(.crash, to: "w")
        #expect(await innerEvents.rest() == [
            "exited w abnormal(boom)", "intensityExceeded inner", "failed inner intensity_exceeded",
        ])

        let exit = await events.take(1)
        #expect(exit.first?.hasPrefix("exited inner abnormal(intensity_exceeded") == true)
        #expect(await events.take(3) == ["exited p shutdown", "restarted p #1", "restarted inner #1"])
        #expect(board.instances(of: "w") == 3)
        #expect(board.instances(of: "p") == 2)

        await parent.shutdown()
        #expect(await events.rest() == ["exited inner shutdown", "exited p shutdown", "shutDown parent"])
    }

    @Test("a restart that keeps failing is retried, counted, and eventually fails the supervisor")
    func failedRestartsCount() async throws {
        let board = Switchboard()
        let spec = ChildSpec.worker(id: "b") { () async throws -> Probe in
            if board.instances(of: "b") >= 1 { throw Boom() }
            return Probe(id: "b", board: board)
        }
        let supervisor = Supervisor(name: "sup", clock: ManualClock(), children: [probe("a", board), spec])
        var events = EventReader(supervisor.events)
        try await supervisor.start()
        _ = await events.take(2)
        board.send(.crash, to: "b")
        #expect(await events.rest() == [
            "exited b abnormal(boom)",
            "restartFailed b #1 boom", "restartFailed b #2 boom", "restartFailed b #3 boom",
            "intensityExceeded sup", "exited a shutdown", "failed sup intensity_exceeded",
        ])
    }

    @Test("a failed restart that later succeeds keeps the supervisor up")
    func failedRestartRecovers() async throws {
        let board = Switchboard()
        let failures = Switchboard()  // counts failed attempts
        let spec = ChildSpec.worker(id: "b") { () async throws -> Probe in
            if board.instances(of: "b") == 1, failures.instances(of: "x") < 2 {
                _ = failures.register("x")
                throw Boom()
            }
            return Probe(id: "b", board: board)
        }
        let supervisor = Supervisor(name: "sup", clock: ManualClock(), children: [spec])
        var events = EventReader(supervisor.events)
        try await supervisor.start()
        _ = await events.take(1)
        board.send(.crash, to: "b")
        #expect(await events.take(4) == [
            "exited b abnormal(boom)", "restartFailed b #1 boom", "restartFailed b #2 boom", "restarted b #3",
        ])
        #expect(await supervisor.whichChildren().map(\.status) == [.running])
        await supervisor.shutdown()
    }
}
