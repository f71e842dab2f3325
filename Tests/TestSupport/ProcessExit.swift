import Foundation
import Synchronization

/// A started Foundation `Process` whose exit is awaited, not waited for on a thread.
///
/// The tests start their helper programs through this instead of calling
/// `Process.waitUntilExit()`, which polls a run loop on the calling thread and so blocks one of
/// the cooperative pool's threads, of which a 2-core machine has two, for as long as the process
/// runs (run-loop waits have also been reported to hang on Linux). The termination handler is
/// set before the process starts, so a fast exit is not missed.
public final class ProcessExit: Sendable {
    private struct State {
        var status: Int32?
        var waiters: [CheckedContinuation<Int32, Never>] = []
    }

    private let state = Mutex(State())

    /// Starts `process` (configured, not yet run) and watches for its exit.
    /// - Throws: what `Process.run()` throws; then nothing was started.
    public init(starting process: Process) throws {
        process.terminationHandler = { [self] process in
            let status = process.terminationStatus
            let waiters = state.withLock { state in
                state.status = status
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume(returning: status) }
        }
        try process.run()
    }

    /// The process's exit status (or the number of the signal that ended it), once it has exited.
    /// Not cancellable: the process is expected to exit (kill it first otherwise).
    public var status: Int32 {
        get async {
            await withCheckedContinuation { continuation in
                let status = state.withLock { state -> Int32? in
                    if state.status == nil { state.waiters.append(continuation) }
                    return state.status
                }
                if let status { continuation.resume(returning: status) }
            }
        }
    }
}
