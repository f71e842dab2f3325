import Foundation
import Synchronization
import Testing
@testable import AgentSessions
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("EffectQueueState: when the write lock is kept for outstanding session files")
struct EffectQueueStateTests {
    typealias State = EffectQueueState<String>

    /// A state inside a transaction that took the lock at time 0.
    static func transaction(capacity: Int = 4, maxHold: UInt64 = 100) -> State {
        var state = State(capacity: capacity, maxHold: maxHold)
        let held = state.begin()
        #expect(!held)
        state.lockTaken(at: 0)
        return state
    }

    @Test("with nothing outstanding a transaction takes the lock and releases it at its end")
    func nothingOutstanding() {
        var state = Self.transaction()
        #expect(state.lockHeld && state.inTransaction)
        let release = state.end(at: 1, othersWaiting: true)
        #expect(release == .unlock && !state.lockHeld && !state.inTransaction)
        let held = state.begin()
        #expect(!held, "the next transaction must take the lock itself")
    }

    @Test("outstanding jobs keep the lock past the transaction; the worker releases it after the last one")
    func workerReleases() {
        var state = Self.transaction()
        state.enqueue("a", id: "a")
        state.enqueue("b", id: "b")
        let release1 = state.end(at: 1, othersWaiting: true)
        #expect(release1 == .keep)
        #expect(state.lockHeld)
        let taken = state.take(), again = state.take()
        #expect(taken == ["a", "b"] && again.isEmpty)
        #expect(state.isOutstanding("a") && state.isOutstanding("b"))
        let releasedEarly = state.finished("a", failure: nil)
        #expect(!releasedEarly, "b is still outstanding")
        #expect(!state.isOutstanding("a") && state.isOutstanding("b"))
        let released = state.finished("b", failure: nil)
        #expect(released && !state.lockHeld && state.outstanding == 0)
    }

    @Test("a transaction that begins while jobs are outstanding takes the lock over, and the worker then leaves it")
    func takeOver() {
        var state = Self.transaction()
        state.enqueue("a", id: "a")
        let release1 = state.end(at: 1, othersWaiting: true)
        #expect(release1 == .keep)
        let held = state.begin()
        #expect(held, "the lock is still held: nothing to take or follow")
        _ = state.take()
        let released = state.finished("a", failure: nil)
        #expect(!released, "a transaction holds the lock")
        #expect(state.lockHeld)
        let release2 = state.end(at: 2, othersWaiting: true)
        #expect(release2 == .unlock)
        #expect(!state.lockHeld)
    }

    @Test("two jobs for one session: it stays outstanding until both are done")
    func sameSessionTwice() {
        var state = Self.transaction()
        state.enqueue("a1", id: "a")
        state.enqueue("a2", id: "a")
        _ = state.take()
        _ = state.finished("a", failure: nil)
        #expect(state.isOutstanding("a"))
        _ = state.finished("a", failure: nil)
        #expect(!state.isOutstanding("a"))
    }

    @Test("a lock held for maxHold or longer is waited for at the end of a transaction if another process waits for it", arguments: [
        (UInt64(99), true, State.Release.keep), (100, true, .waitForRelease), (5_000, true, .waitForRelease),
        (100, false, .keep), (5_000, false, .keep),
    ])
    func maxHold(_ now: UInt64, _ othersWaiting: Bool, _ expected: State.Release) {
        var state = Self.transaction(maxHold: 100)
        state.enqueue("a", id: "a")
        var asked = false
        let release = state.end(at: now, othersWaiting: { asked = true; return othersWaiting }())
        #expect(release == expected)
        #expect(asked == (now >= 100), "asked only once the lock has been held for maxHold")
        #expect(state.lockHeld, "the worker releases it either way")
    }

    @Test("when no other process waits, the lock is kept for another maxHold before it asks again")
    func holdStartsAgain() {
        var state = Self.transaction(maxHold: 100)
        state.enqueue("a", id: "a")
        let first = state.end(at: 150, othersWaiting: false)
        #expect(first == .keep)
        let held = state.begin()
        #expect(held, "still held: the next transaction takes it over")
        var asked = false
        let second = state.end(at: 249, othersWaiting: { asked = true; return true }())
        #expect(second == .keep && !asked, "held for 99 since the last question")
        _ = state.begin()
        let third = state.end(at: 250, othersWaiting: true)
        #expect(third == .waitForRelease)
    }

    @Test("a transaction may make its thread wait when the queue is full or the lock has been held for maxHold")
    func mayMakeWait() {
        var state = Self.transaction(capacity: 2, maxHold: 100)
        #expect(!state.mayMakeWait(at: 500), "nothing outstanding: the end releases the lock at once")
        state.enqueue("a", id: "a")
        #expect(!state.mayMakeWait(at: 99))
        #expect(state.mayMakeWait(at: 100))
        state.enqueue("b", id: "b")
        #expect(state.mayMakeWait(at: 0), "full")
    }

    @Test("the queue is full at its capacity of outstanding jobs, taken or not")
    func capacity() {
        var state = Self.transaction(capacity: 2)
        state.enqueue("a", id: "a")
        #expect(!state.isFull)
        state.enqueue("b", id: "b")
        #expect(state.isFull)
        _ = state.take()
        #expect(state.isFull, "taken jobs are still outstanding")
        _ = state.finished("a", failure: nil)
        #expect(!state.isFull)
    }

    @Test("a job wakes the worker only when it sleeps; a worker that finds the queue empty lingers once, then sleeps")
    func wakePolicy() {
        var state = Self.transaction(capacity: 8)
        let first = state.enqueue("a", id: "a"), second = state.enqueue("b", id: "b")
        #expect(first && second, "asleep until it takes them")
        let taken = state.take()
        let whileBusy = state.enqueue("c", id: "c")
        #expect(taken == ["a", "b"] && state.worker == .busy && !whileBusy)
        _ = state.take()
        let none = state.take()
        let whileLingering = state.enqueue("d", id: "d")
        #expect(none.isEmpty && state.worker == .lingering && !whileLingering)
        let afterLinger = state.take()
        #expect(afterLinger == ["d"] && state.worker == .busy)
        _ = state.take()
        _ = state.take()
        let asleep = state.enqueue("e", id: "e")
        #expect(state.worker == .asleep && asleep)
    }

    @Test("a failed job drops every outstanding job, keeps its first error, and lets the lock go")
    func failure() {
        var state = Self.transaction()
        state.enqueue("a", id: "a")
        state.enqueue("b", id: "b")
        let taken = state.take()
        state.enqueue("c", id: "c")  // queued after the worker took a and b
        let release = state.end(at: 1, othersWaiting: true)
        #expect(taken == ["a", "b"] && release == .keep)
        let first = StoreError.storageFailure(path: "/x/a.jsonl", operation: "pwrite", errno: EIO)
        let released = state.finished("a", failure: first)
        let left = state.take()
        #expect(released)
        #expect(state.failure == first && state.outstanding == 0 && left.isEmpty && !state.isOutstanding("c"))
        #expect(state.dropped == ["a", "b", "c"])
        _ = state.finished("b", failure: .storageFailure(path: "/x/b.jsonl", operation: "pwrite", errno: ENOSPC))
        #expect(state.failure == first)
    }
}

@Suite("EffectQueue: jobs on their own thread, and the store's lock handed to it")
struct EffectQueueTests {
    /// A lock file with two open file descriptions: ours, and another that stands for another process.
    final class LockFiles {
        let directory = TemporaryDirectory()
        let ours: Int32
        let other: Int32
        init() {
            ours = open(directory.path + "/lock", O_RDWR | O_CREAT, 0o600)
            other = open(directory.path + "/lock", O_RDWR)
        }
        deinit {
            close(ours)
            close(other)
            directory.remove()
        }
        /// Whether another process could take the lock now (it is released again at once).
        var otherCanLock: Bool {
            guard flock(other, LOCK_EX | LOCK_NB) == 0 else { return false }
            flock(other, LOCK_UN)
            return true
        }
    }

    /// The ids of the jobs that ran, in order.
    final class Ran: Sendable {
        private let ids = Mutex<[String]>([])
        func append(_ id: String) { ids.withLock { $0.append(id) } }
        var all: [String] { ids.withLock { $0 } }
    }

    /// A job that waits until `gate` is open, leaves it open (a semaphore must not end below
    /// its initial value), then records that it ran.
    static func gated(_ id: String, _ gate: DispatchSemaphore, _ ran: Ran) -> EffectQueue.Job {
        (id, { () throws(StoreError) in
            gate.wait()
            gate.signal()
            ran.append(id)
        })
    }

    /// Begins a transaction on `queue`, taking `fd`'s lock if the queue does not hold it.
    static func begin(_ queue: EffectQueue, _ fd: Int32, writing: Bool = true) throws -> Bool {
        let held = try queue.begin(writing: writing, waiting: true, taking: { () throws(StoreError) -> Bool in flock(fd, LOCK_EX) == 0 })
        return try #require(held as Bool?)
    }

    @Test("the lock stays held while a job is outstanding, passes to the next transaction, and is released after the last job")
    func lockHandOff() throws {
        let files = LockFiles()
        let queue = EffectQueue(lockFD: files.ours, maxHold: .max)
        defer { queue.stop() }
        let gate = DispatchSemaphore(value: 0), ran = Ran()
        #expect(try Self.begin(queue, files.ours) == false)
        queue.enqueue(Self.gated("a", gate, ran))
        queue.end()
        #expect(!files.otherCanLock, "released while a's file is not written")
        #expect(try Self.begin(queue, files.ours) == true, "the next transaction takes the held lock over")
        queue.enqueue(Self.gated("b", gate, ran))
        queue.end()
        gate.signal()
        try queue.drain()
        #expect(ran.all == ["a", "b"])
        #expect(files.otherCanLock, "the worker released the lock after the last job")
        #expect(try Self.begin(queue, files.ours) == false, "with nothing outstanding a transaction takes the lock itself")
        queue.end()
        #expect(files.otherCanLock)
    }

    @Test("waiting for one session's jobs returns once they ran, whatever else is still outstanding")
    func waitForOneSession() throws {
        let files = LockFiles()
        let queue = EffectQueue(lockFD: files.ours)
        defer { queue.stop() }
        let ran = Ran()
        let gate = DispatchSemaphore(value: 0), open = DispatchSemaphore(value: 1)
        _ = try Self.begin(queue, files.ours)
        queue.enqueue(Self.gated("a", open, ran))
        queue.enqueue(Self.gated("b", gate, ran))
        try queue.waitUntilApplied(["a"])
        #expect(ran.all == ["a"])
        try queue.waitUntilApplied(["c"])  // nothing outstanding for c
        gate.signal()
        try queue.waitUntilApplied(["b"])
        #expect(ran.all == ["a", "b"])
        queue.end()
    }

    @Test("a failed job is thrown by every later wait and begin, and the lock is released")
    func failedJob() throws {
        let files = LockFiles()
        let queue = EffectQueue(lockFD: files.ours, maxHold: .max)  // end() must not wait for a's gate
        defer { queue.stop() }
        let failure = StoreError.storageFailure(path: "/store/sessions/a.jsonl", operation: "pwrite", errno: ENOSPC)
        let ran = Ran()
        let gate = DispatchSemaphore(value: 0)
        _ = try Self.begin(queue, files.ours)
        queue.enqueue(("a", { () throws(StoreError) in
            gate.wait()
            gate.signal()
            throw failure
        }))
        queue.enqueue(Self.gated("b", DispatchSemaphore(value: 1), ran))
        queue.end()
        #expect(!files.otherCanLock)
        gate.signal()
        #expect(throws: failure) { try queue.drain() }
        #expect(throws: failure, "b's file was never written") { try queue.waitUntilApplied(["b"]) }
        try queue.waitUntilApplied(["z"])  // a session the failure did not touch
        #expect(throws: failure) { _ = try queue.begin(writing: true, waiting: true, taking: { () throws(StoreError) -> Bool in true }) }
        #expect(ran.all.isEmpty, "a job after the failed one ran")
        #expect(files.otherCanLock)
        // Following the log (a read) goes on: it takes the lock as usual. A job queued after the
        // failure (a record logged meanwhile) is not run: its session counts as dropped.
        #expect(try Self.begin(queue, files.ours, writing: false) == false)
        queue.enqueue(("c", { () throws(StoreError) in ran.append("c") }))
        queue.end()
        #expect(throws: failure, "c's file was never written") { try queue.waitUntilApplied(["c"]) }
        #expect(ran.all.isEmpty, "a job queued after the failure ran")
    }

    @Test("a full queue makes the next job wait until the worker has taken one")
    func capacity() throws {
        let files = LockFiles()
        let queue = EffectQueue(lockFD: files.ours, capacity: 1)
        defer { queue.stop() }
        let ran = Ran()
        _ = try Self.begin(queue, files.ours)
        for id in ["a", "b", "c"] { queue.enqueue(Self.gated(id, DispatchSemaphore(value: 1), ran)) }
        // Each enqueue returned only when the job before it was done (capacity 1 counts running jobs).
        #expect(ran.all.count >= 2)
        queue.end()
        try queue.drain()
        #expect(ran.all == ["a", "b", "c"])
    }

    @Test("a transaction that must not wait is declined while the queue is full, and taken once it has room")
    func declinedWhenFull() throws {
        let files = LockFiles()
        let queue = EffectQueue(lockFD: files.ours, capacity: 1, maxHold: .max)  // end() must not wait for a's gate
        defer { queue.stop() }
        let gate = DispatchSemaphore(value: 0), ran = Ran()
        _ = try Self.begin(queue, files.ours)
        queue.enqueue(Self.gated("a", gate, ran))
        queue.end()
        let declined = try queue.begin(writing: true, waiting: false, taking: { () throws(StoreError) -> Bool in true })
        #expect(declined == nil)
        gate.signal()
        try queue.drain()
        let taken = try queue.begin(writing: true, waiting: false, taking: { () throws(StoreError) -> Bool in flock(files.ours, LOCK_EX | LOCK_NB) == 0 })
        #expect(taken == false)
        queue.end()
    }

    @Test("a job queued while the worker lingers runs when its linger ends, without a wake-up")
    func lingerEnds() throws {
        let files = LockFiles()
        let queue = EffectQueue(lockFD: files.ours, linger: 0.01)
        defer { queue.stop() }
        let ran = Ran(), done = DispatchSemaphore(value: 0)
        _ = try Self.begin(queue, files.ours)
        queue.enqueue(Self.gated("a", DispatchSemaphore(value: 1), ran))
        try queue.waitUntilApplied(["a"])
        queue.enqueue(("b", { () throws(StoreError) in
            ran.append("b")
            done.signal()
        }))
        queue.end()
        // Nothing here wakes the worker: b runs because the worker looks at the queue again.
        #expect(done.wait(timeout: .now() + 30) == .success)
        #expect(ran.all == ["a", "b"])
    }

    @Test("a thread that waits for a job wakes a lingering worker instead of waiting out its linger")
    func waiterWakesLingering() throws {
        let files = LockFiles()
        let queue = EffectQueue(lockFD: files.ours, linger: 120)
        defer { queue.stop() }
        let ran = Ran()
        _ = try Self.begin(queue, files.ours)
        queue.enqueue(Self.gated("a", DispatchSemaphore(value: 1), ran))
        try queue.waitUntilApplied(["a"])
        queue.enqueue(Self.gated("b", DispatchSemaphore(value: 1), ran))
        let start = DispatchTime.now()
        try queue.waitUntilApplied(["b"])
        let waited = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        #expect(ran.all == ["a", "b"])
        #expect(waited < 60, "waited \(waited) s: the lingering worker was not woken")
        queue.end()
    }

    @Test("pending lines: the latest save's, with the appends after it; appends to a written file after its bytes; not after a delete or a failure")
    func pendingLines() throws {
        let files = LockFiles()
        let queue = EffectQueue(lockFD: files.ours, maxHold: .max)
        defer { queue.stop() }
        let gate = DispatchSemaphore(value: 0), ran = Ran()
        _ = try Self.begin(queue, files.ours)
        queue.enqueue(Self.gated("a", gate, ran), leaving: [1])
        queue.enqueue(Self.gated("a", gate, ran), leaving: [2])
        queue.enqueue(Self.gated("a", gate, ran), appending: [5, 6], at: 1)
        queue.enqueue(Self.gated("b", gate, ran), appending: [7], at: 3)
        queue.enqueue(Self.gated("b", gate, ran), appending: [8], at: 4)
        queue.enqueue(Self.gated("c", gate, ran), leaving: [8])
        queue.enqueue(Self.gated("c", gate, ran), leaving: nil)  // a delete
        queue.enqueue(Self.gated("c", gate, ran), appending: [9], at: 0)
        queue.end()
        #expect(queue.pendingLines("a") == .init(from: 0, bytes: [2, 5, 6]))
        #expect(queue.pendingLines("b") == .init(from: 3, bytes: [7, 8]), "the file's first 3 bytes, then the appends")
        #expect(queue.pendingLines("c") == nil && queue.pendingLines("z") == nil)
        gate.signal()
        try queue.drain()
        #expect(queue.pendingLines("a") == nil, "the file holds them now")
        let failure = StoreError.storageFailure(path: "/store/sessions/d.jsonl", operation: "pwrite", errno: EIO)
        let failGate = DispatchSemaphore(value: 0)
        _ = try Self.begin(queue, files.ours)
        queue.enqueue(("d", { () throws(StoreError) in
            failGate.wait()
            throw failure
        }), leaving: [3])
        queue.enqueue(Self.gated("e", DispatchSemaphore(value: 1), ran), leaving: [4])
        queue.end()
        #expect(queue.pendingLines("e") == .init(from: 0, bytes: [4]))
        failGate.signal()
        #expect(throws: failure) { try queue.drain() }
        #expect(queue.pendingLines("d") == nil && queue.pendingLines("e") == nil, "after a failure the log holds them, not the queue")
    }

    @Test("stop runs the outstanding jobs before it returns")
    func stopRunsJobs() throws {
        let files = LockFiles()
        let queue = EffectQueue(lockFD: files.ours)
        let ran = Ran()
        _ = try Self.begin(queue, files.ours)
        for id in ["a", "b"] { queue.enqueue(Self.gated(id, DispatchSemaphore(value: 1), ran)) }
        queue.end()
        queue.stop()
        #expect(ran.all == ["a", "b"])
    }

    #if canImport(Glibc)
    @Test("the worker runs at a lower priority than the thread that queued its jobs (Linux: a higher nice value)")
    func workerNice() throws {
        let files = LockFiles()
        let queue = EffectQueue(lockFD: files.ours)
        defer { queue.stop() }
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        let seen = Mutex<Int32?>(nil)
        _ = try Self.begin(queue, files.ours)
        queue.enqueue(("a", { () throws(StoreError) in seen.withLock { $0 = getpriority(which, 0) } }))
        queue.end()
        try queue.drain()
        let ours = getpriority(which, 0)
        #expect(try #require(seen.withLock { $0 }) == min(19, ours + EffectQueue.workerNiceIncrement))
    }
    #endif
}
