import Testing
@testable import Supervision

/// The worked example of Docs/Supervision.md, run with a manual clock.
@Suite("Documented two-level tree", .timeLimit(.minutes(1)))
struct TwoLevelTreeExampleTests {
    actor Counter: SupervisedChild {
        private var value = 0
        func run() async throws {
            // Idle until asked to stop; the work happens in calls and casts.
            while true { try await Task.sleep(for: .seconds(3600)) }
        }
        func increment() { value += 1 }
        func read() -> Int { value }
    }

    @Test("start order, restForOne inside, escalation to oneForOne outside, shutdown order")
    func example() async throws {
        let board = Switchboard()
        let clock = ManualClock()
        let registry = ChildRegistry(clock: clock)
        let root = Supervisor(
            name: "root", strategy: .oneForOne, clock: clock, registry: registry,
            children: [
                .worker(id: "counter") { Counter() },
                .supervisor(id: "pipeline") {
                    Supervisor(
                        name: "pipeline", strategy: .restForOne,
                        intensity: .init(maxRestarts: 2, period: .seconds(10)),
                        clock: clock, registry: registry,
                        children: [probe("reader", board), probe("writer", board, restart: .transient)])
                },
            ])
        var events = EventReader(root.events)
        try await root.start()
        #expect(await events.take(2) == ["started counter", "started pipeline"])
        #expect(registry.runningNames == ["counter", "pipeline", "reader", "writer"])

        let counter = registry.handle("counter", as: Counter.self)
        counter.cast { await $0.increment() }
        counter.cast { await $0.increment() }
        let done = Gate()
        counter.cast { _ in done.open() }
        await done.wait()
        #expect(try await counter.call { await $0.read() } == 2)

        // Inside the pipeline: restForOne restarts the reader and the writer after it.
        let pipeline = try #require(registry.handle("pipeline", as: Supervisor.self).instance)
        var pipelineEvents = EventReader(pipeline.events)
        board.send(.crash, to: "reader")
        #expect(await pipelineEvents.take(4) == [
            "exited reader abnormal(boom)", "exited writer shutdown", "restarted reader #1", "restarted writer #1",
        ])
        board.send(.crash, to: "reader")
        _ = await pipelineEvents.take(4)
        // A third crash within 10 s is one too many: the pipeline fails, the root restarts it.
        board.send(.crash, to: "reader")
        #expect(await pipelineEvents.rest() == [
            "exited reader abnormal(boom)", "intensityExceeded pipeline", "exited writer shutdown", "failed pipeline intensity_exceeded",
        ])
        let exit = await events.take(1)
        #expect(exit.first?.hasPrefix("exited pipeline abnormal(intensity_exceeded") == true)
        #expect(await events.take(1) == ["restarted pipeline #1"])
        #expect(try await counter.call { await $0.read() } == 2)  // untouched by oneForOne
        #expect(board.instances(of: "reader") == 4)

        await root.shutdown()
        #expect(await events.rest() == ["exited pipeline shutdown", "exited counter shutdown", "shutDown root"])
        #expect(registry.runningNames.isEmpty)
    }
}
