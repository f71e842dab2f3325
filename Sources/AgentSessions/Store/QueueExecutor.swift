import Dispatch

/// A serial executor that runs its jobs on a private serial `DispatchQueue`.
///
/// The store actor runs on one so that its blocking file I/O (writes, `flock` waits while
/// another process holds the store) happens on libdispatch's threads, not on Swift's
/// cooperative pool, which has only as many threads as cores. (`DispatchSerialQueue`, which
/// would do this directly, is not available in Linux's Dispatch.)
final class QueueExecutor: SerialExecutor {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }
}
