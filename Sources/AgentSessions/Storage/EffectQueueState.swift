/// The bookkeeping of an ``EffectQueue``, without any I/O: the logged changes whose session files
/// are still to be written, and whether this process holds the store's write lock for them.
///
/// A change's file effects may be applied after the write is acknowledged because its log record
/// already holds every byte; but until they are, no other process may follow the log (it would
/// apply the same record at the same time). So the lock stays with this process while effects are
/// outstanding, and the worker releases it when it has applied the last one, unless a transaction
/// has taken it over meanwhile. A transaction that ends when the lock has been held for `maxHold`
/// asks whether another process waits for it; if one does, it waits for the worker to release
/// the lock, so that a steady stream of writes cannot keep other processes out; if none does, the
/// lock is kept for another `maxHold`, so that the files of a burst of saves need not be written
/// before the saves return.
///
/// Waking the worker costs the queuing thread a system call, so a worker that finds the queue
/// empty first lingers (waits a short time for more jobs) and only then sleeps; a job queued
/// while it lingers does not wake it (``enqueue(_:id:)`` returns false), one queued while it
/// sleeps does. A thread that waits for the worker wakes it if it lingers.
struct EffectQueueState<Job> {
    /// What the worker is doing, as far as waking it is concerned.
    enum Worker: Equatable {
        /// Running jobs, or about to take them: it looks at the queue again without being woken.
        case busy
        /// Found the queue empty after running jobs; waits a short time, then looks again.
        case lingering
        /// Found the queue empty twice in a row; waits until woken.
        case asleep
    }

    /// What the end of a transaction must do with the lock.
    enum Release: Equatable {
        /// Nothing is outstanding: release the lock now.
        case unlock
        /// Effects are outstanding: the worker releases the lock when it has applied them.
        case keep
        /// As ``keep``, but the lock has been held for `maxHold` and another process waits for it:
        /// wait until the worker has released it before taking it again.
        case waitForRelease
    }

    /// Jobs not yet taken by the worker, oldest first.
    private(set) var queued: [Job] = []
    /// Queued or running jobs per session id.
    private var outstandingByID: [String: Int] = [:]
    /// Queued or running jobs.
    private(set) var outstanding = 0
    /// Whether this process holds the store's write lock (for a transaction or for outstanding jobs).
    private(set) var lockHeld = false
    /// Whether a transaction is between its begin and its end.
    private(set) var inTransaction = false
    /// The first failed job's error: later jobs are dropped (the log still holds their records,
    /// which the next process to open or follow the store applies).
    private(set) var failure: StoreError?
    /// The sessions whose jobs failed or were dropped: their files are not what the log says.
    private(set) var dropped: Set<String> = []
    /// When the lock was taken (nanoseconds on a monotonic clock).
    private var heldSince: UInt64 = 0
    /// What the worker is doing (``Worker``).
    private(set) var worker = Worker.asleep

    /// The most jobs outstanding before ``enqueue(_:id:)`` should wait.
    let capacity: Int
    /// How long (nanoseconds) the lock may be held before a transaction asks whether another
    /// process waits for it.
    let maxHold: UInt64

    init(capacity: Int, maxHold: UInt64) {
        precondition(capacity > 0)
        self.capacity = capacity
        self.maxHold = maxHold
    }

    /// Whether a job for `id` is queued or running.
    func isOutstanding(_ id: String) -> Bool { outstandingByID[id] != nil }

    /// Whether a new job must wait for the worker.
    var isFull: Bool { outstanding >= capacity }

    /// Whether a transaction should be left to a thread that may wait: its end may wait for the
    /// lock's release (held for `maxHold` already), or a save would wait for room.
    func mayMakeWait(at now: UInt64) -> Bool {
        isFull || (lockHeld && outstanding > 0 && now &- heldSince >= maxHold)
    }

    /// Starts a transaction. Returns true when this process still holds the lock (for outstanding
    /// jobs): the transaction takes it over, and nothing can have changed since this process last
    /// followed the log. False: the caller must take the lock, then call ``lockTaken(at:)``.
    mutating func begin() -> Bool {
        precondition(!inTransaction, "nested transaction")
        guard lockHeld else { return false }
        inTransaction = true
        return true
    }

    /// Records that the caller took the lock for a transaction at `now`.
    mutating func lockTaken(at now: UInt64) {
        precondition(!lockHeld && !inTransaction)
        lockHeld = true
        inTransaction = true
        heldSince = now
    }

    /// Ends a transaction at `now` and says what to do with the lock; `othersWaiting` is asked
    /// only when the lock has been held for `maxHold` (if no one waits, the hold starts again).
    mutating func end(at now: UInt64, othersWaiting: @autoclosure () -> Bool) -> Release {
        precondition(inTransaction)
        inTransaction = false
        if outstanding == 0 {
            lockHeld = false
            return .unlock
        }
        guard now &- heldSince >= maxHold else { return .keep }
        if othersWaiting() { return .waitForRelease }
        heldSince = now
        return .keep
    }

    /// Adds a job for session `id` (call inside a transaction). Returns true when the worker
    /// must be woken: it is asleep (a lingering or busy worker looks at the queue by itself).
    /// After a failure the job is not added but `id` counts as dropped.
    @discardableResult
    mutating func enqueue(_ job: Job, id: String) -> Bool {
        precondition(inTransaction)
        guard failure == nil else {
            dropped.insert(id)
            return false
        }
        queued.append(job)
        outstandingByID[id, default: 0] += 1
        outstanding += 1
        return worker == .asleep
    }

    /// Hands the queued jobs to the worker (each stays outstanding until ``finished(_:failure:)``).
    /// Taking none moves a busy worker to lingering and a lingering one to asleep.
    mutating func take() -> [Job] {
        defer { queued = [] }
        switch (queued.isEmpty, worker) {
        case (false, _): worker = .busy
        case (true, .busy): worker = .lingering
        case (true, _): worker = .asleep
        }
        return queued
    }

    /// Records that the worker ran a job for `id`, which failed with `failure` if not `nil` (then
    /// every outstanding job is dropped, taken or not: the worker runs no more of them). Returns
    /// true when the worker must release the lock: nothing is outstanding and no transaction holds it.
    mutating func finished(_ id: String, failure error: StoreError?) -> Bool {
        if let error {
            if failure == nil { failure = error }
            dropped.formUnion(outstandingByID.keys)
            queued = []
            outstandingByID = [:]
            outstanding = 0
        } else if outstanding > 0 {
            let left = outstandingByID[id, default: 1] - 1
            outstandingByID[id] = left == 0 ? nil : left
            outstanding -= 1
        }
        guard outstanding == 0, lockHeld, !inTransaction else { return false }
        lockHeld = false
        return true
    }
}
