import Foundation
import Supervision
import Synchronization
import Testing
import TestSupport
@testable import AgentSessions

@Suite("SessionStore: concurrency, crashes and restarts, sharing a directory, periodic cleanup")
struct StoreReliabilityTests {
    @Test("1,000 concurrent tasks mixing saves, appends, loads and searches agree with a sequential model", arguments: BackendKind.allCases)
    func concurrentTasks(_ kind: BackendKind) async throws {
        try await withStore(kind, durability: .durable) { store, _ in
            let ids = (0..<20).map { "c\($0)" }
            for id in ids { try await store.saveSession(id, messages: conversation(id), tags: ["shared"]) }
            let base = conversation("x").count
            // Task k appends message "k" to ids[k % 20], or saves a fresh session "n<k>", or reads.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for k in 0..<1_000 {
                    group.addTask {
                        let id = ids[k % ids.count]
                        switch k % 4 {
                        case 0, 1: try await store.appendMessages(id, [userMessage("m\(k)")])
                        case 2: try await store.saveSession("n\(k)", messages: conversation("n\(k)"), tags: ["new"])
                        default:
                            let loaded = try await store.loadSession(id)
                            #expect(loaded.messages.count == loaded.metadata.messageCount)
                            _ = try await store.search(tags: ["shared"], limit: 5)
                        }
                    }
                }
                try await group.waitForAll()
            }
            // The model: every append landed exactly once on its id, every save exists.
            for (n, id) in ids.enumerated() {
                let expected = Set((0..<1_000).filter { $0 % ids.count == n && $0 % 4 < 2 }.map { "m\($0)" })
                let loaded = try await store.loadSession(id)
                let appended = loaded.messages.dropFirst(base).map(\.text)
                #expect(appended.count == expected.count)
                #expect(Set(appended) == expected)
                #expect(loaded.metadata.messageCount == base + expected.count)
            }
            #expect(try await store.search(tags: ["new"]).count == 250)
            #expect(try await store.stats().sessions == 270)
        }
    }

    @Test("the store actor crashes on a storage failure and restarts from disk with nothing acknowledged lost",
          arguments: [WriteFault.afterWriting, .beforeWriting])
    func crashAndRestart(_ when: WriteFault) async throws {
        let plan = FaultPlan()
        try await withStore(.file, durability: .durable, configure: { configuration in
            let directory = configuration.resolvedDirectory
            configuration.backend = { plan.backend(directory) }
        }) { store, _ in
            var events = store.events.makeAsyncIterator()
            for i in 0..<5 { try await store.saveSession("s\(i)", messages: conversation("s\(i)")) }
            plan.failWrites([6], when: when)
            await #expect(throws: StoreError.self) { try await store.saveSession("doomed", messages: conversation("d")) }
            // The supervisor reports the crash and the restart of the store actor.
            var sawExit = false, sawRestart = false
            while let event = await events.next() {
                if case .childExited(id: "store", let reason) = event, reason.kind == .abnormal { sawExit = true }
                if case .childRestarted(id: "store", _) = event { sawRestart = true; break }
            }
            #expect(sawExit && sawRestart)
            // Every acknowledged save is intact and the store takes writes again.
            for i in 0..<5 { #expect(try await store.loadSession("s\(i)").messages == conversation("s\(i)")) }
            try await store.saveSession("after", messages: conversation("after"))
            #expect(try await store.loadSession("after").messages == conversation("after"))
            // A failure before the log write leaves no trace; after it, the log replays the record on restart.
            let doomed = try? await store.session("doomed")
            #expect((doomed != nil) == (when == .afterWriting))
        }
    }

    @Test("exhausting the restart intensity takes the tree down and calls fail with unavailable")
    func intensityExhausted() async throws {
        let plan = FaultPlan()
        try await withStore(.file, configure: { configuration in
            let directory = configuration.resolvedDirectory
            configuration.backend = { plan.backend(directory) }
            configuration.restartIntensity = RestartIntensity(maxRestarts: 1, period: .seconds(60))
            configuration.callTimeout = .milliseconds(500)
        }) { store, _ in
            var events = store.events.makeAsyncIterator()
            plan.failWrites([1, 2], when: .beforeWriting)
            await #expect(throws: StoreError.self) { try await store.saveSession("a", messages: []) }
            await #expect(throws: StoreError.self) { try await store.saveSession("b", messages: []) }
            var sawIntensity = false
            while let event = await events.next() {
                if case .intensityExceeded = event { sawIntensity = true }
                if case .failed = event { break }
            }
            #expect(sawIntensity)
            do {
                _ = try await store.saveSession("c", messages: [])
                Issue.record("a write succeeded on a failed tree")
            } catch let error as StoreError {
                #expect(error.code == "unavailable")
            }
        }
    }

    @Test("a call waiting for the store actor when the store shuts down fails at once with unavailable",
          .timeLimit(.minutes(1)))
    func waitingCallAtShutdown() async throws {
        let gate = CloseGate()
        let clock = ManualClock()  // the call timeout never runs out: only the shutdown can end the wait
        var configuration = SessionStore.Configuration(directory: "/nonexistent", durability: .buffered)
        configuration.cleanup = nil
        configuration.clock = clock
        configuration.backend = { GatedCloseBackend(gate) }
        let store = try await SessionStore.start(configuration)
        try await store.saveSession("s", messages: conversation("s"))
        let shutdown = Task { await store.shutdown() }
        await gate.closing()  // the actor is stopping: its instance is no longer published
        #expect(!store.store.isRunning)
        let read = Task { try await store.session("s") }
        await clock.waitForSleepers(count: 2)  // the shutdown's stop timeout and the read's call timeout
        #expect(store.store.waiterCount == 1)
        gate.open()
        await shutdown.value
        // Cancelled by the time limit, the read ends (and fails the test) instead of hanging the run.
        let outcome = await withTaskCancellationHandler { await read.result } onCancel: { read.cancel() }
        #expect(throws: StoreError.unavailable(reason: "the store has been shut down")) { try outcome.get() }
        await #expect(throws: StoreError.unavailable(reason: "the store has been shut down")) { try await store.session("s") }
    }

    @Test("two stores on one directory (as two processes would be) lose nothing and see each other's writes")
    func twoStoresOneDirectory() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        var configuration = SessionStore.Configuration(directory: dir.path, durability: .buffered)
        configuration.cleanup = nil
        configuration.checkpointBytes = 64 << 10  // checkpoints happen during the run
        let one = try await SessionStore.start(configuration)
        let two = try await SessionStore.start(configuration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (name, store) in [("one", one), ("two", two)] {
                group.addTask {
                    for i in 0..<150 {
                        try await store.saveSession("\(name)-\(i)", messages: conversation("\(name)-\(i)"))
                        try await store.appendMessages("\(name)-\(i / 2)", [userMessage("\(name) \(i)")])
                    }
                }
            }
            try await group.waitForAll()
        }
        for store in [one, two] {
            let all = try await store.listSessions().sessions
            #expect(all.count == 300)
            for i in 0..<150 {
                for name in ["one", "two"] {
                    let loaded = try await store.loadSession("\(name)-\(i)")
                    #expect(loaded.messages.count == loaded.metadata.messageCount)
                }
            }
        }
        await one.shutdown()
        await two.shutdown()
        let reopened = try await SessionStore.start(configuration)
        let counts = try await reopened.listSessions().sessions.reduce(0) { $0 + $1.messageCount }
        #expect(counts == 300 * conversation("x").count + 300)
        await reopened.shutdown()
    }

    @Test("the cleanup child runs every interval on the injected clock and deletes only old sessions")
    func periodicCleanup() async throws {
        let clock = ManualClock()
        let now = TestNow()
        let (reports, continuation) = AsyncStream<CleanupReport>.makeStream()
        try await withStore(.memory, now: now, configure: { configuration in
            configuration.clock = clock
            configuration.cleanup = .init(interval: .seconds(3600), maxAge: .seconds(86_400))
            configuration.onCleanup = { continuation.yield($0) }
        }) { store, _ in
            var next = reports.makeAsyncIterator()
            try await store.saveSession("old", messages: conversation("old"), updatedAt: now.date.addingTimeInterval(-2 * 86_400))
            try await store.saveSession("new", messages: conversation("new"))
            await clock.waitForSleepers(count: 1)
            clock.advance(by: .seconds(3599))
            #expect(try await store.listSessions().sessions.count == 2)  // not yet: one second short
            clock.advance(by: .seconds(1))
            let report = try #require(await next.next())
            #expect(report.sessions.map(\.id) == ["old"])
            #expect(try await store.listSessions().sessions.map(\.id) == ["new"])
            await clock.waitForSleepers(count: 1)
            now.advance(2 * 86_400)
            clock.advance(by: .seconds(3600))
            #expect(try #require(await next.next()).sessions.map(\.id) == ["new"])
        }
    }
}

/// Lets a test act while a store actor is stopping: ``GatedCloseBackend``'s close announces
/// itself and waits for ``open()``.
final class CloseGate: Sendable {
    private let entered: AsyncStream<Void>
    private let announce: AsyncStream<Void>.Continuation
    private let release = DispatchSemaphore(value: 0)

    init() { (entered, announce) = AsyncStream.makeStream() }

    /// Returns once a close has started.
    func closing() async { for await _ in entered { return } }
    /// Lets the waiting close go on.
    func open() { release.signal() }

    fileprivate func closeStarted() {
        announce.yield()
        release.wait()  // on the store actor's own queue, not the cooperative pool
    }
}

/// An ``InMemoryBackend`` whose close waits at a ``CloseGate``.
final class GatedCloseBackend: StorageBackend {
    private let base = InMemoryBackend()
    private let gate: CloseGate

    init(_ gate: CloseGate) { self.gate = gate }

    var location: String { base.location }
    var durability: DurabilityWaiter? { base.durability }
    func open() throws(StoreError) -> [SessionMetadata] { try base.open() }
    func beginWrite() throws(StoreError) -> [StorageChange] { try base.beginWrite() }
    func write(_ mutations: [StorageMutation]) throws(StoreError) -> DurabilityTicket? { try base.write(mutations) }
    func endWrite(index: () -> [SessionMetadata]) throws(StoreError) { try base.endWrite(index: index) }
    func abortWrite() { base.abortWrite() }
    func poll() throws(StoreError) -> [StorageChange] { try base.poll() }
    func readMessages(_ metadata: SessionMetadata) throws(StoreError) -> [UInt8] { try base.readMessages(metadata) }
    func close(index: [SessionMetadata]) throws(StoreError) {
        gate.closeStarted()
        try base.close(index: index)
    }
}
