import Testing
@testable import Supervision

@Suite("Dynamic children", .timeLimit(.minutes(1)))
struct DynamicChildrenTests {
    @Test("startChild, terminateChild, restartChild, deleteChild, whichChildren, countChildren")
    func lifecycle() async throws {
        let board = Switchboard()
        let supervisor = Supervisor(name: "sup", clock: ManualClock(), children: [probe("a", board)])
        var events = EventReader(supervisor.events)
        await #expect(throws: SupervisionError.self) { try await supervisor.startChild(probe("x", board)) }
        try await supervisor.start()

        try await supervisor.startChild(probe("b", board))
        try await supervisor.startChild(.supervisor(id: "sub") { Supervisor(name: "sub", children: []) })
        #expect(await supervisor.whichChildren().map(\.description) == [
            "a worker permanent running", "b worker permanent running", "sub supervisor permanent running",
        ])
        #expect(await supervisor.countChildren() == ChildCount(specs: 3, active: 3, supervisors: 1, workers: 2))

        let duplicate = await #expect(throws: SupervisionError.self) { try await supervisor.startChild(probe("a", board)) }
        #expect(duplicate?.code == "duplicate_child")

        try await supervisor.terminateChild("b")
        #expect(await supervisor.whichChildren().first { $0.id == "b" }?.status == .stopped)
        let running = await #expect(throws: SupervisionError.self) { try await supervisor.deleteChild("a") }
        #expect(running?.code == "child_running")
        let restartRunning = await #expect(throws: SupervisionError.self) { try await supervisor.restartChild("a") }
        #expect(restartRunning?.code == "child_running")

        try await supervisor.restartChild("b")
        #expect(try await supervisor.handle("b", as: Probe.self).call { $0.number } == 2)
        try await supervisor.terminateChild("b")
        try await supervisor.deleteChild("b")
        let unknown = await #expect(throws: SupervisionError.self) { try await supervisor.terminateChild("b") }
        #expect(unknown?.code == "unknown_child")
        #expect(await supervisor.countChildren() == ChildCount(specs: 2, active: 2, supervisors: 1, workers: 1))

        await supervisor.shutdown()
        #expect(await events.rest() == [
            "started a", "started b", "started sub",
            "exited b shutdown", "started b", "exited b shutdown", "deleted b",
            "exited sub shutdown", "exited a shutdown", "shutDown sup",
        ])
        let after = await #expect(throws: SupervisionError.self) { try await supervisor.startChild(probe("c", board)) }
        #expect(after?.code == "not_running")
    }

    @Test("terminating a temporary child drops its spec; a failing startChild adds nothing")
    func temporaryAndFailingStart() async throws {
        let board = Switchboard()
        let supervisor = Supervisor(name: "sup", clock: ManualClock(), children: [probe("t", board, restart: .temporary)])
        try await supervisor.start()
        try await supervisor.terminateChild("t")
        #expect(await supervisor.whichChildren().isEmpty)
        let failed = await #expect(throws: SupervisionError.self) {
            try await supervisor.startChild(.worker(id: "f") { () async throws -> Probe in throw Boom() })
        }
        #expect(failed?.code == "start_failed")
        #expect(await supervisor.whichChildren().isEmpty)
        await supervisor.shutdown()
    }

    @Test("a transient child that exits normally keeps its spec and can be restarted by hand")
    func transientNormalExit() async throws {
        let board = Switchboard()
        let supervisor = Supervisor(name: "sup", clock: ManualClock(), children: [probe("t", board, restart: .transient)])
        var events = EventReader(supervisor.events)
        try await supervisor.start()
        board.send(.exitNormally, to: "t")
        #expect(await events.take(2) == ["started t", "exited t normal"])
        #expect(await supervisor.whichChildren().map(\.status) == [.stopped])
        try await supervisor.restartChild("t")
        #expect(await supervisor.whichChildren().map(\.status) == [.running])
        await supervisor.shutdown()
    }
}
