import Foundation
import Supervision
import Testing
@testable import AgentSessions
import TestSupport

@Suite("Fault injection: failing writes, syncs, renames and reads")
struct FaultInjectionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var call: FaultInjector.Call
        var nth: Int
        var errno: Int32
        var testDescription: String { "\(call) #\(nth) errno \(errno)" }
    }

    /// A durable store whose FileBackend (and every restarted one) fails as `faults` says.
    static func start(_ directory: String, _ faults: FaultInjector, intensity: RestartIntensity = .default) async throws -> SessionStore {
        var configuration = SessionStore.Configuration(directory: directory, durability: .durable)
        configuration.cleanup = nil
        configuration.restartIntensity = intensity
        configuration.backend = {
            let backend = FileBackend(directory: directory, durability: .durable)
            backend.faults = faults
            return backend
        }
        return try await SessionStore.start(configuration)
    }

    @Test("a failed call on a write's own path is a typed error, the actor restarts, and the store stays consistent", arguments: [
        Case(call: .write, nth: 1, errno: EIO), Case(call: .write, nth: 1, errno: ENOSPC), Case(call: .write, nth: 2, errno: ENOSPC),
        Case(call: .sync, nth: 1, errno: EIO),
    ])
    func writeFailures(_ fault: Case) async throws {
        try await Self.failingSave(fault, id: "failing", acknowledged: false) { store, id, messages in
            // The log record (#1), the published end (#2), the sync: the save fails.
            let error = await #expect(throws: StoreError.self) { try await store.saveSession(id, messages: messages) }
            return error
        }
    }

    @Test("a failed session file write after the save was acknowledged fails the next write; the restart applies the logged save",
          arguments: [Case(call: .write, nth: 3, errno: EACCES), Case(call: .rename, nth: 1, errno: EACCES), Case(call: .rename, nth: 1, errno: ENOSPC)])
    func fileEffectFailures(_ fault: Case) async throws {
        // A new session's file is written in place (write #3, after the log record and the
        // published end); an existing one is replaced by a rename.
        let id = fault.call == .rename ? "s1" : "failing"
        try await Self.failingSave(fault, id: id, acknowledged: true) { store, id, messages in
            let saved = try await store.saveSession(id, messages: messages)
            #expect(saved.messageCount == messages.count)
            // Waiting for the file reports the failure; so does every write after it (which restarts the actor).
            let error = await #expect(throws: StoreError.self) { try await store.settleFiles() }
            let next = await #expect(throws: StoreError.self) { try await store.saveSession("next", messages: []) }
            #expect(next == error)
            return error
        }
    }

    @Test("a failed session file write after the append was acknowledged fails the next write; the restart applies the logged append",
          arguments: [Case(call: .write, nth: 3, errno: EIO), Case(call: .write, nth: 3, errno: ENOSPC)])
    func appendFileEffectFailures(_ fault: Case) async throws {
        // The log record (#1), the published end (#2), then, on the file thread, the session file (#3).
        try await Self.failingSave(fault, id: "s1", acknowledged: true, appending: true) { store, id, messages in
            let appended = try await store.appendMessages(id, messages)
            #expect(appended.messageCount == 1 + messages.count)
            let error = await #expect(throws: StoreError.self) { try await store.settleFiles() }
            let next = await #expect(throws: StoreError.self) { try await store.saveSession("next", messages: []) }
            #expect(next == error)
            return error
        }
    }

    @Test("a logged append whose file became unwritable after a failed write does not stop the store from opening: the session goes to quarantine")
    func unwritableFileAtRecovery() async throws {
        let directory = NSTemporaryDirectory() + "agent-sessions-fault-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let faults = FaultInjector()
        let store = try await Self.start(directory, faults)
        var events = store.events.makeAsyncIterator()
        for i in 0..<2 { try await store.saveSession("s\(i)", messages: [writerMessage("s\(i)", 0)]) }
        try await store.settleFiles()
        // The append is logged; its file write fails on the file thread, and then the file
        // cannot be written at all (another user's, or immutable), so the restart cannot apply it.
        faults.fail(.write, onPathEndingIn: "/s0.jsonl", errno: EIO)
        try await store.appendMessages("s0", [writerMessage("s0", 1)])
        await #expect(throws: StoreError.self) { try await store.settleFiles() }
        let unwritable = try #require(Unwritable(directory + "/sessions/s0.jsonl"), "cannot make a file unwritable here")
        defer { unwritable.restore() }
        await #expect(throws: StoreError.self) { try await store.saveSession("next", messages: []) }
        var restarted = false
        while let event = await events.next() {
            if case .childRestarted(id: "store", _) = event { restarted = true; break }
        }
        #expect(restarted)
        await #expect(throws: StoreError.notFound(id: "s0")) { _ = try await store.loadSession("s0") }
        #expect(try await store.loadSession("s1").messages == [writerMessage("s1", 0)])
        try await store.saveSession("after", messages: [writerMessage("after", 0)])
        let quarantined = try FileManager.default.contentsOfDirectory(atPath: directory + "/quarantine")
        #expect(quarantined.contains { $0.hasPrefix("s0.jsonl.logged.") }, "the logged lines are kept: \(quarantined)")
        unwritable.restore()
        await store.shutdown()
    }

    /// Saves five sessions and appends to one, arms `fault`, runs `failing` (which saves `id`, or
    /// appends to it when `appending`, and returns the error it saw), then checks the error, the
    /// restart, and that every acknowledged write is intact (the failed write too when it was
    /// `acknowledged`; else all there or not at all), and that the index is a full rebuild's.
    static func failingSave(
        _ fault: Case, id failingID: String, acknowledged: Bool, appending: Bool = false,
        _ failing: (SessionStore, String, [Message]) async throws -> StoreError?
    ) async throws {
        let directory = NSTemporaryDirectory() + "agent-sessions-fault-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let faults = FaultInjector()
        let store = try await start(directory, faults)
        var events = store.events.makeAsyncIterator()
        for i in 0..<5 { try await store.saveSession("s\(i)", messages: [writerMessage("s\(i)", 0)], tags: ["t"]) }
        try await store.appendMessages("s0", [writerMessage("s0", 1)])
        try await store.settleFiles()  // the calls counted below are the failing save's
        faults.fail(fault.call, call: fault.nth, errno: fault.errno)
        let failingMessages = [writerMessage(failingID, 7)]
        let error = try await failing(store, failingID, failingMessages)
        guard case .storageFailure(_, let operation, let code) = try #require(error) else {
            Issue.record("expected storage_failure, got \(String(describing: error))")
            return
        }
        #expect(code == fault.errno)
        #expect(operation.hasPrefix(fault.call.rawValue))
        #expect(faults.injected.count == 1)
        var restarted = false
        while let event = await events.next() {
            if case .childRestarted(id: "store", _) = event { restarted = true; break }
        }
        #expect(restarted)
        for i in 0..<5 where "s\(i)" != failingID {
            let expected = (0..<(i == 0 ? 2 : 1)).map { writerMessage("s\(i)", $0) }
            #expect(try await store.loadSession("s\(i)").messages == expected)
        }
        if acknowledged {
            let before = appending ? [writerMessage(failingID, 0)] : []
            #expect(try await store.loadSession(failingID).messages == before + failingMessages)
        } else if let failed = try? await store.loadSession(failingID) {
            let before = failingID == "s1" ? [writerMessage("s1", 0)] : nil
            #expect(failed.messages == failingMessages || failed.messages == before)
        } else {
            #expect(failingID == "failing", "an acknowledged session vanished")
        }
        try await store.saveSession("after", messages: [writerMessage("after", 0)])
        let live = Set(try await store.listSessions().sessions)
        await store.shutdown()
        let rebuilt = try await rebuiltIndex(directory)
        #expect(rebuilt == live, "only in the index: \(live.subtracting(rebuilt)); only rebuilt: \(rebuilt.subtracting(live))")
    }

    @Test("a failed read is a typed error for that call only; the actor keeps running", arguments: [EIO, EACCES])
    func readFailure(_ code: Int32) async throws {
        let directory = NSTemporaryDirectory() + "agent-sessions-fault-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let faults = FaultInjector()
        var configuration = SessionStore.Configuration(directory: directory, durability: .buffered)
        configuration.cleanup = nil
        configuration.cacheBytes = 0  // every load reads the file
        configuration.backend = {
            let backend = FileBackend(directory: directory, durability: .buffered)
            backend.faults = faults
            return backend
        }
        let store = try await SessionStore.start(configuration)
        try await store.saveSession("s", messages: [writerMessage("s", 0)])
        try await store.settleFiles()  // else the load may be answered from the queued save's lines
        let instance = try #require(store.store.instance)
        faults.fail(.read, call: 1, errno: code)  // the poll reads the mapped log header, so the first read is the file
        await #expect(throws: StoreError.self) { try await store.loadSession("s") }
        #expect(faults.injected.map(\.0) == [.read], "reads so far: \(faults.count(.read))")
        #expect(try await store.loadSession("s").messages == [writerMessage("s", 0)])
        #expect(store.store.instance === instance)  // no crash, no restart
        await store.shutdown()
    }

    @Test("a disk that keeps failing exhausts the restart intensity: the tree fails and says so")
    func escalation() async throws {
        let directory = NSTemporaryDirectory() + "agent-sessions-fault-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let faults = FaultInjector()
        let store = try await Self.start(directory, faults, intensity: RestartIntensity(maxRestarts: 2, period: .seconds(60)))
        var events = store.events.makeAsyncIterator()
        try await store.saveSession("kept", messages: [writerMessage("kept", 0)])
        try await store.settleFiles()  // the writes counted below are the failing saves'
        for n in 1...3 { faults.fail(.write, call: n, errno: ENOSPC) }
        for i in 0..<3 { await #expect(throws: StoreError.self) { try await store.saveSession("x\(i)", messages: []) } }
        var seen: [String] = []
        while let event = await events.next() {
            switch event {
            case .childRestarted: seen.append("restarted")
            case .intensityExceeded: seen.append("intensity")
            case .failed: seen.append("failed")
            default: break
            }
            if seen.last == "failed" { break }
        }
        #expect(seen == ["restarted", "restarted", "intensity", "failed"])
        await #expect(throws: StoreError.self) { try await store.session("kept") }
        // The data is intact on disk for the next process.
        let reopened = try await openForCheck(directory)
        #expect(try await reopened.loadSession("kept").messages == [writerMessage("kept", 0)])
        await reopened.shutdown()
    }
}
