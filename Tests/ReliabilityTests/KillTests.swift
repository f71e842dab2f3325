import AgentSessions
import Foundation
import TestSupport
import Testing

@Suite("Processes: kill -9 durability and several writers on one directory", .serialized)
struct KillTests {
    /// Kills per run; `AGENT_SESSIONS_KILLS` raises it for a long run.
    static let kills = ProcessInfo.processInfo.environment["AGENT_SESSIONS_KILLS"].flatMap(Int.init) ?? 200
    static let seed = ProcessInfo.processInfo.environment["AGENT_SESSIONS_SEED"].flatMap(UInt64.init) ?? 20261121

    @Test("SIGKILL at random moments never loses or tears an acknowledged durable write")
    func killNine() async throws {
        let directory = NSTemporaryDirectory() + "agent-sessions-kill-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var random = SplitMix64(state: Self.seed)
        var acknowledged: [String: Int] = [:]  // id -> acknowledged message count
        var totalAcks = 0
        for run in 0..<Self.kills {
            let writer = try WriterProcess(directory: directory, run: run, seed: Self.seed)
            // A random moment in the first 0.3 s: sometimes during open/recovery, mostly mid-write.
            try await Task.sleep(for: .milliseconds(5 + random.below(300)))
            await writer.kill()
            let acks = writer.acknowledgements()
            for ack in acks { acknowledged[ack.id] = ack.count }
            totalAcks += acks.count
            let store = try await openForCheck(directory)
            // This run's sessions fully; a sample of older ones.
            let runIDs = try await store.search(tags: ["run\(run)"]).map(\.id)
            let older = acknowledged.keys.filter { !$0.hasPrefix("r\(run)-") }.shuffled().prefix(10)
            for id in Set(runIDs).union(older).union(acknowledged.keys.filter { $0.hasPrefix("r\(run)-") }) {
                try await Self.check(id, in: store, acknowledged: acknowledged[id], seed: Self.seed, run: run)
            }
            await store.shutdown()
        }
        // Everything at the end, and the index against a full rebuild from the files.
        let store = try await openForCheck(directory)
        let all = try await store.listSessions().sessions
        for id in acknowledged.keys { try await Self.check(id, in: store, acknowledged: acknowledged[id], seed: Self.seed, run: -1) }
        #expect(Set(acknowledged.keys).isSubset(of: Set(all.map(\.id))))
        await store.shutdown()
        #expect(FileManager.default.fileExists(atPath: directory + "/index.snapshot"))  // so the rebuild below does not use it
        let differing = try await rebuiltIndex(directory).symmetricDifference(Set(all))
        #expect(differing.isEmpty, "index and full rebuild differ (seed \(Self.seed)): \(differing.sorted { $0.id < $1.id }.prefix(6))")
        #expect(totalAcks > Self.kills, "the writer acknowledged too little to prove anything (seed \(Self.seed))")
    }

    /// A stored session must hold a prefix of its deterministic message sequence at least as long
    /// as what was acknowledged, and at most one unacknowledged operation more (never a torn one).
    static func check(_ id: String, in store: SessionStore, acknowledged: Int?, seed: UInt64, run: Int) async throws {
        let stored: StoredSession
        do { stored = try await store.loadSession(id) } catch {
            #expect(acknowledged == nil, "acknowledged session \(id) is missing (seed \(seed), run \(run)): \(error)")
            return
        }
        let count = stored.messages.count
        #expect(stored.metadata.messageCount == count, "index and file disagree for \(id) (seed \(seed))")
        #expect(stored.messages == (0..<count).map { writerMessage(id, $0) }, "\(id) holds damaged messages (seed \(seed), run \(run))")
        if let acknowledged {
            #expect(count >= acknowledged && count <= acknowledged + 3, "\(id): \(count) stored, \(acknowledged) acknowledged (seed \(seed))")
        } else {
            #expect((1...6).contains(count), "unacknowledged \(id) has \(count) messages (seed \(seed))")
        }
    }

    @Test("three writer processes on one directory at once: nothing lost, nothing duplicated, all agree")
    func concurrentProcesses() async throws {
        let directory = NSTemporaryDirectory() + "agent-sessions-procs-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writers = try (0..<3).map { try WriterProcess(directory: directory, run: 1_000 + $0, seed: 7, operations: 300) }
        var acknowledged: [String: Int] = [:]
        for writer in writers {
            #expect(await writer.status == 0)
            for ack in writer.acknowledgements() { acknowledged[ack.id] = ack.count }
        }
        let store = try await openForCheck(directory)
        let all = try await store.listSessions().sessions
        #expect(all.count == acknowledged.count)
        for (id, count) in acknowledged {
            let stored = try await store.loadSession(id)
            #expect(stored.messages == (0..<count).map { writerMessage(id, $0) })
        }
        await store.shutdown()
    }
}

@Suite("Processes: the real tools side by side", .serialized)
struct ToolProcessTests {
    /// Runs `sessions` with arguments, returning its exit status and standard output.
    static func sessions(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let (outputPath, output) = try outputFile("cli")
        defer {
            try? output.close()
            try? FileManager.default.removeItem(atPath: outputPath)
        }
        let process = Process()
        process.executableURL = try builtProduct("sessions")
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let status = try await ProcessExit(starting: process).status
        return (status, String(decoding: FileManager.default.contents(atPath: outputPath) ?? Data(), as: UTF8.self))
    }

    /// Runs `sessions` with arguments `times` times, one run after the other; their exit statuses.
    static func sessions(_ arguments: [String], times: Int) async throws -> [Int32] {
        var statuses: [Int32] = []
        for _ in 0..<times { statuses.append(try await sessions(arguments).status) }
        return statuses
    }

    @Test("a writer, `sessions import` in a loop and `sessions cleanup` in a loop on one store: nothing lost or duplicated")
    func importCleanupAndWriter() async throws {
        let directory = NSTemporaryDirectory() + "agent-sessions-tools-\(UUID().uuidString)"
        let archive = directory + "-archive.jsonl"
        defer {
            try? FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: archive)
        }
        // An archive of 20 sessions last updated in 2020: cleanup deletes them, import brings them back.
        let old = Date(timeIntervalSince1970: 1_577_836_800)
        do {
            let staging = try await openForCheck(directory + "-staging")
            for i in 0..<20 {
                try await staging.saveSession("old-\(i)", messages: (0..<3).map { writerMessage("old-\(i)", $0) },
                                              tags: ["imported"], createdAt: old, updatedAt: old)
            }
            try await staging.exportSessions(to: archive)
            await staging.shutdown()
            try FileManager.default.removeItem(atPath: directory + "-staging")
        }
        let writer = try WriterProcess(directory: directory, run: 3_000, seed: 11, operations: 250)
        async let imports = Self.sessions(["--store", directory, "import", archive], times: 12)
        async let cleanups = Self.sessions(["cleanup", "--older-than", "365d", "--store", directory], times: 12)
        let (importStatuses, cleanupStatuses) = try await (imports, cleanups)
        #expect(await writer.status == 0)
        #expect(importStatuses.allSatisfy { $0 == 0 }, "import exit codes \(importStatuses)")
        #expect(cleanupStatuses.allSatisfy { $0 == 0 }, "cleanup exit codes \(cleanupStatuses)")

        let store = try await openForCheck(directory)
        let all = try await store.listSessions().sessions
        #expect(Set(all.map(\.id)).count == all.count, "an id is listed twice")
        // Later acknowledgements of the same id supersede earlier ones: keep the last count.
        var acknowledged: [String: Int] = [:]
        for ack in writer.acknowledgements() { acknowledged[ack.id] = ack.count }
        for (id, count) in acknowledged {
            #expect(try await store.loadSession(id).messages == (0..<count).map { writerMessage(id, $0) })
        }
        for session in all where session.id.hasPrefix("old-") {
            #expect(try await store.loadSession(session.id).messages == (0..<3).map { writerMessage(session.id, $0) })
        }
        // Another process's view (the CLI) agrees with this one.
        let listed = try await Self.sessions(["--store", directory, "list", "--json"])
        #expect(listed.status == 0)
        let cliIDs = listed.output.split(separator: "\n").compactMap { line in
            (try? JSONValue(parsing: String(line)))?["id"]?.stringValue
        }
        #expect(cliIDs == all.map(\.id))
        await store.shutdown()
    }
}
