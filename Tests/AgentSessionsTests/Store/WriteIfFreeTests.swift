import Foundation
import Synchronization
import Testing
@testable import AgentSessions
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `SessionTable.writeIfFree`: the facade's writes run on the caller's thread only when nothing
/// would make them wait; otherwise they go to the store actor's queue.
@Suite("Writes on the caller's thread: taken only when nothing would wait")
struct WriteIfFreeTests {
    static func savePlan(_ id: String, _ lines: [UInt8]) -> SessionTable.Plan<Void> {
        { _ in ([.save(metadata(id, bytes: lines.count), lines: lines)], [], ()) }
    }

    @Test("declined (nothing written) while another process holds the store's lock; taken once it is free")
    func lockHeldElsewhere() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let table = try SessionTable(backend: FileBackend(directory: dir.path, durability: .buffered), cacheBytes: 1 << 20)
        defer { table.close(clean: true) }
        let lines = jsonLines(0..<2)
        // Another open file description of the lock file stands for another process.
        let other = open(dir.path + "/lock", O_RDWR)
        defer { close(other) }
        #expect(flock(other, LOCK_EX) == 0)
        #expect(try table.writeIfFree(Self.savePlan("a", lines)) == nil)
        #expect(try table.metadata("a") == nil)
        #expect(FileManager.default.fileExists(atPath: dir.path + "/sessions/a.jsonl") == false)
        #expect(flock(other, LOCK_UN) == 0)
        #expect(try table.writeIfFree(Self.savePlan("a", lines)) != nil)
        #expect(try table.metadata("a")?.byteSize == lines.count)
        try table.settleFiles()
        #expect(flock(other, LOCK_EX | LOCK_NB) == 0, "the lock is released once the file is written")
        #expect(flock(other, LOCK_UN) == 0)
    }

    @Test("declined when a checkpoint is due, which the waiting path then does")
    func checkpointDue() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let lines = jsonLines(0..<2)
        let table = try SessionTable(backend: FileBackend(directory: dir.path, durability: .buffered, checkpointThreshold: 100),
                                     cacheBytes: 1 << 20)
        defer { table.close(clean: true) }
        #expect(try table.writeIfFree(Self.savePlan("a", lines)) != nil)  // the log was empty: not due
        #expect(try FileBackendTests.journalEnd(dir.path).end > 100,
                "the first write passed the threshold (a write on the caller's thread never checkpoints)")
        #expect(try table.writeIfFree(Self.savePlan("b", lines)) == nil)
        #expect(try table.metadata("b") == nil)
        _ = try table.write(Self.savePlan("b", lines))
        #expect(try FileBackendTests.journalEnd(dir.path).end == Journal.headerSize, "checkpointed")
        #expect(try table.metadata("b") != nil)
    }

    @Test("a write that fails in storage closes the table before releasing it: no later write runs on its state",
          arguments: [true, false])
    func failureCloses(_ ifFree: Bool) throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let backend = FileBackend(directory: dir.path, durability: .buffered)
        let faults = FaultInjector()
        backend.faults = faults
        let table = try SessionTable(backend: backend, cacheBytes: 1 << 20)
        defer { table.close(clean: false) }
        let lines = jsonLines(0..<2)
        _ = try table.write(Self.savePlan("a", lines))
        try table.settleFiles()  // a's file written: the next write call is b's log record
        faults.fail(.write, call: 1, errno: EIO)
        #expect(throws: StoreError.self) {
            _ = ifFree ? try table.writeIfFree(Self.savePlan("b", lines)) : try table.write(Self.savePlan("b", lines))
        }
        #expect(!table.isOpen)
        #expect(throws: StoreError.unavailable(reason: "the store at \(dir.path) is closed")) { _ = try table.writeIfFree(Self.savePlan("c", lines)) }
        #expect(throws: StoreError.unavailable(reason: "the store at \(dir.path) is closed")) { _ = try table.write(Self.savePlan("c", lines)) }
    }

    @Test("a store whose lock another process holds still takes a write: it waits on the actor's queue, then lands")
    func facadeFallsBack() async throws {
        try await withStore(.file) { store, dir in
            try await store.saveSession("first", messages: conversation("first"))
            let other = open(dir + "/lock", O_RDWR)
            defer { close(other) }
            #expect(flock(other, LOCK_EX) == 0)
            let actor = try #require(store.store.instance)
            let save = Task { try await store.saveSession("second", messages: conversation("second")) }
            // Released only once the save has been declined on its thread and queued on the actor.
            _ = await eventually { actor.queuedWrites.load(ordering: .relaxed) != 0 }
            #expect(actor.queuedWrites.load(ordering: .relaxed) == 1)
            #expect(flock(other, LOCK_UN) == 0)
            let saved = try await save.value
            #expect(try await store.session("second") == saved)
        }
    }
}
