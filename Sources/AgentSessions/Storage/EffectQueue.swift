import Foundation

/// Applies logged records to the session files on a dedicated thread, in the order they were
/// logged, after the write that logged them has been acknowledged, and keeps the store's write
/// lock while any is outstanding.
///
/// A record holds all it changes (a save's or an append's message lines), so once it is written
/// (and, in durable mode, synced) the change is as safe as it will be; writing
/// `sessions/<id>.jsonl` (creating, replacing, extending or removing it, then marking the record
/// applied) can overlap the next operation. ``EffectQueueState`` decides when the lock is
/// released; this class runs the jobs and lets callers wait for them:
/// - a load of a session with outstanding jobs is answered from what they leave
///   (``pendingLines(_:)``: a save's lines and the appends after it, or the appends to a file
///   written before); it waits for them (``waitUntilApplied(_:)``, behind the jobs queued before)
///   only where the queue cannot tell; a checkpoint and a close wait for all of them (``drain()``);
/// - a job that fails stops the queue: its error is thrown by the next write transaction, by a
///   drain, and by a wait for a session whose file it left unwritten, so the store actor
///   restarts and its replacement applies the records from the log; reads of other sessions go on.
final class EffectQueue: @unchecked Sendable {
    /// One record's file effects; throws when they could not be applied.
    typealias Job = (id: String, run: @Sendable () throws(StoreError) -> Void)

    /// Guards `state` and `stopping`; signalled when a job is queued for a sleeping worker, when a
    /// job finishes, when a waiter wakes a lingering worker, and when the queue stops.
    private let condition = NSCondition()
    private var state: EffectQueueState<Job>
    private var stopping = false
    private var workerRunning = false
    /// What the outstanding jobs of a session leave in its file, where the queue knows it.
    private var lines: [String: Pending] = [:]
    private let lockFD: Int32
    /// Whether another process waits for the lock (asked when it has been held for `maxHold`).
    private let othersWaiting: @Sendable () -> Bool

    /// How long the worker waits for more jobs after the queue runs empty before it sleeps.
    private let linger: TimeInterval

    /// - Parameters:
    ///   - lockFD: the store's `lock` file, which the worker unlocks when it has applied the last job.
    ///   - capacity: the most outstanding jobs before ``enqueue(_:leaving:)`` waits. The default is large:
    ///     the jobs' lines are those of the log's current generation, which a checkpoint drains.
    ///   - maxHold: how long (nanoseconds) a stream of writes keeps the lock before a transaction
    ///     asks `othersWaiting`, and waits for the lock to be released if it answers true.
    ///   - othersWaiting: whether another process waits for the lock.
    ///   - linger: how long (seconds) the worker waits for more jobs after running the last one
    ///     before it sleeps; jobs queued meanwhile cost no wake-up (``EffectQueueState/Worker``).
    init(lockFD: Int32, capacity: Int = 1 << 16, maxHold: UInt64 = 20_000_000,
         othersWaiting: @escaping @Sendable () -> Bool = { true }, linger: TimeInterval = 0.001) {
        self.lockFD = lockFD
        self.othersWaiting = othersWaiting
        self.linger = linger
        state = EffectQueueState(capacity: capacity, maxHold: maxHold)
    }

    private static var now: UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// How much the worker thread's nice value exceeds its creator's on Linux (higher is lower
    /// priority; at most 19; macOS keeps the default QoS, whose lower classes also throttle I/O,
    /// not measured there). Its jobs are work left over from acknowledged writes, so when the
    /// cores are short (another process, the kernel's own work after large deletions) the
    /// threads that write and read should get them first: at the same priority, a burst of saves
    /// in such a phase stalled 1 to 9 ms at a time (90 saves of 10,000 over 1 ms, 0.38 s of a
    /// 0.82 s ingest; 9 and 0.03 s with this). The few callers that wait for the worker (a lock
    /// hand-off to another process, a checkpoint, a close) wait a little longer under such load.
    static let workerNiceIncrement: Int32 = 10

    private func locked<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        condition.lock()
        defer { condition.unlock() }
        return try body()
    }

    /// Waits (with the condition locked) until `done` holds or a job has failed; throws the
    /// failure if `done` does not hold then.
    private func wait(until done: () -> Bool) throws(StoreError) {
        while !done() {
            if let failure = state.failure { throw failure }
            waitForWorker()
        }
    }

    /// Waits (with the condition locked) for the worker to signal, first waking it if it lingers.
    private func waitForWorker() {
        if state.worker == .lingering { condition.broadcast() }
        condition.wait()
    }

    /// Starts a transaction: takes over the lock if this process still holds it for outstanding
    /// jobs (returns true: nothing changed since the last transaction), else takes it with `take`
    /// (returns false, or `nil` when `take` declined without taking it). `take` runs without the
    /// queue's own lock: it may wait for another process, and with nothing outstanding the worker
    /// is idle, so only this transaction changes the state meanwhile.
    /// - Parameters:
    ///   - writing: a write transaction, which fails once a job has failed; a read (following the
    ///     log) goes on.
    ///   - waiting: false to decline (`nil`, nothing taken) when the transaction could make its
    ///     thread wait for the worker (``EffectQueueState/mayMakeWait(at:)``).
    /// - Throws: a failed job's error (`writing`), or `take`'s.
    func begin(writing: Bool, waiting: Bool, taking take: () throws(StoreError) -> Bool) throws(StoreError) -> Bool? {
        let held = try locked { () throws(StoreError) -> Bool? in
            if writing, let failure = state.failure { throw failure }
            if !waiting, state.mayMakeWait(at: Self.now) { return nil }
            return state.begin()
        }
        guard let held else { return nil }
        if held { return true }
        guard try take() else { return nil }
        locked { state.lockTaken(at: Self.now) }
        return false
    }

    /// Ends a transaction: releases the lock unless jobs are outstanding (then the worker releases
    /// it), and waits for that release when the lock has been held for `maxHold` and another
    /// process waits for it (`othersWaiting`).
    func end() {
        locked {
            switch state.end(at: Self.now, othersWaiting: othersWaiting()) {
            case .unlock: POSIX.unlock(lockFD)
            case .keep: break
            case .waitForRelease: while state.lockHeld { waitForWorker() }
            }
        }
    }

    /// Queues `job` (inside a transaction), first waiting while the queue is full. Once a job has
    /// failed, `job` is not queued but counted as dropped (``waitUntilApplied(_:)`` throws for its
    /// session): its record is logged, and the restart that the failure causes applies it. So a
    /// write whose records are logged is not failed by another session's file.
    /// - Parameter lines: the session's lines once `job` has run (`nil`: unknown, or no file), for
    ///   ``pendingLines(_:)`` meanwhile.
    func enqueue(_ job: Job, leaving lines: [UInt8]? = nil) {
        enqueue(job) { pending, _ in pending = lines.map { Pending(from: 0, bytes: $0) } }
    }

    /// Queues `job`, which appends `lines` at `offset` of its session's file, as
    /// ``enqueue(_:leaving:)`` does. The pending lines of a session with outstanding jobs are
    /// extended; one with none gets `lines` after the file's first `offset` bytes.
    func enqueue(_ job: Job, appending lines: [UInt8], at offset: Int) {
        enqueue(job) { pending, outstanding in
            if pending == nil, !outstanding { pending = Pending(from: offset, bytes: []) }
            pending?.bytes.append(contentsOf: lines)  // in place: the dictionary's own copy
        }
    }

    /// - Parameter update: changes the session's pending lines; it is told whether the session
    ///   had jobs outstanding before `job`.
    private func enqueue(_ job: Job, updatingLines update: (inout Pending?, Bool) -> Void) {
        locked {
            while state.isFull && state.failure == nil { waitForWorker() }
            update(&self.lines[job.id], state.isOutstanding(job.id))
            let wake = state.enqueue(job, id: job.id)
            if !workerRunning {
                workerRunning = true
                let worker = Thread { [self] in work() }
                worker.name = "agent-sessions-effects"
                worker.start()
            } else if wake {
                condition.broadcast()
            }
        }
    }

    /// Whether a job for session `id` is queued or running.
    func isOutstanding(_ id: String) -> Bool { locked { state.isOutstanding(id) } }

    /// The jobs queued or running.
    var outstanding: Int { locked { state.outstanding } }

    /// What the outstanding jobs of a session leave in its file, where the queue knows it: the
    /// file's first `from` bytes as they are (0 after a save), then `bytes`.
    struct Pending: Equatable {
        var from: Int
        var bytes: [UInt8]
    }

    /// What the outstanding jobs of session `id` leave in its file, if it has jobs outstanding
    /// and the queue knows (a save, and appends after it; appends to a file written before);
    /// `nil` after a job has failed.
    func pendingLines(_ id: String) -> Pending? {
        locked { state.failure == nil ? lines[id] : nil }
    }

    /// Waits until no job for any of `ids` is outstanding.
    /// - Throws: a failed job's error, if it left the file of one of `ids` unwritten.
    func waitUntilApplied(_ ids: some Sequence<String>) throws(StoreError) {
        try locked { () throws(StoreError) in
            try wait { !ids.contains(where: state.isOutstanding) }
            if let failure = state.failure, ids.contains(where: state.dropped.contains) { throw failure }
        }
    }

    /// Waits until every job has been applied.
    /// - Throws: a failed job's error (whenever one has failed).
    func drain() throws(StoreError) {
        try locked { () throws(StoreError) in
            try wait { state.outstanding == 0 }
            if let failure = state.failure { throw failure }
        }
    }

    /// Applies the outstanding jobs (or stops at a failure), then ends the worker thread. Call
    /// before closing the files the jobs write.
    func stop() {
        locked {
            stopping = true
            condition.broadcast()
            while workerRunning { condition.wait() }
        }
    }

    /// The worker thread: runs queued jobs in order until stopped with none left; after a failed
    /// job it runs none of those it had taken.
    private func work() {
        #if canImport(Glibc)
        // Linux keeps a nice value per thread, and `who` 0 names the calling one.
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        errno = 0
        let nice = getpriority(which, 0)
        if errno == 0 { _ = setpriority(which, 0, min(19, nice + Self.workerNiceIncrement)) }
        #endif
        condition.lock()
        while true {
            let jobs = state.take()
            if jobs.isEmpty {
                if stopping { break }
                if state.worker == .lingering {
                    _ = condition.wait(until: Date(timeIntervalSinceNow: linger))
                } else {
                    condition.wait()
                }
                continue
            }
            for job in jobs {
                condition.unlock()
                var failure: StoreError?
                do { try job.run() } catch { failure = error }
                condition.lock()
                if state.finished(job.id, failure: failure) { POSIX.unlock(lockFD) }
                if failure != nil { lines = [:] } else if !state.isOutstanding(job.id) { lines[job.id] = nil }
                condition.broadcast()
                if failure != nil { break }
            }
        }
        workerRunning = false
        condition.broadcast()
        condition.unlock()
    }
}
