import Testing
@testable import Supervision

/// The decision table again, end to end: a real supervisor with children a (permanent),
/// b (the type under test), c (permanent), d (temporary); b exits in the given way and the
/// events say which children stopped and restarted, in which order, and which specs were dropped.
@Suite("Strategy matrix on a live supervisor", .timeLimit(.minutes(1)))
struct StrategyMatrixTests {
    @Test("strategy × restart type × exit kind", arguments: RestartDecisionTests.rows)
    func matrix(_ row: RestartDecisionTests.Row) async throws {
        let board = Switchboard()
        let clock = ManualClock()
        let supervisor = Supervisor(
            name: "sup", strategy: row.strategy, clock: clock,
            children: [probe("a", board), probe("b", board, restart: row.type), probe("c", board), probe("d", board, restart: .temporary)])
        var events = EventReader(supervisor.events)
        try await supervisor.start()
        #expect(await events.take(4) == ["started a", "started b", "started c", "started d"])

        let command: Command
        let exitText: String
        switch row.exit {
        case .normal: (command, exitText) = (.exitNormally, "normal")
        case .abnormal: (command, exitText) = (.crash, "abnormal(boom)")
        case .shutdown: (command, exitText) = (.exitShutdown, "shutdown")
        }
        board.send(command, to: "b")
        #expect(await events.take(1) == ["exited b \(exitText)"])
        // Answered only after the exit has been handled completely.
        let children = await supervisor.whichChildren()
        await supervisor.shutdown()

        var running = ["a", "b", "c", "d"].filter { !row.drop.contains($0) }
        if row.restart.isEmpty { running.removeAll { $0 == "b" } }
        var expected = row.stop.map { "exited \($0) shutdown" }
        expected += row.drop.map { "deleted \($0)" }
        expected += row.restart.map { "restarted \($0) #1" }
        expected += running.reversed().map { "exited \($0) shutdown" }
        expected.append("shutDown sup")
        #expect(await events.rest() == expected)

        #expect(children.map(\.id) == ["a", "b", "c", "d"].filter { !row.drop.contains($0) })
        let bStatus = children.first { $0.id == "b" }?.status
        if !row.drop.contains("b") {
            #expect(bStatus == (row.restart.isEmpty ? .stopped : .running))
        }
        for id in ["a", "b", "c"] {
            let expectedInstances = row.restart.contains(id) ? 2 : 1
            #expect(board.instances(of: id) == expectedInstances, "instances of \(id)")
        }
        #expect(board.instances(of: "d") == 1)
    }
}
