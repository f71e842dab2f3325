import Foundation
import Synchronization
@testable import AgentSessions

/// A watchdog for tests that hold a file write back (``FaultInjector/hold(_:onPathEndingIn:)``):
/// lets the held calls go after `seconds`, on a thread of its own, unless ``finish()`` comes
/// first, and ``finish()`` tells whether it did. A backend that waits for a held call, which it
/// must not, then fails its test instead of hanging it.
final class HoldRelease: Sendable {
    private let finished = DispatchSemaphore(value: 0)
    private let exited = DispatchSemaphore(value: 0)
    private let released = Mutex(false)

    init(_ faults: FaultInjector, after seconds: Double) {
        Thread { [self] in
            if finished.wait(timeout: .now() + seconds) == .timedOut {
                released.withLock { $0 = true }
                faults.release()
            }
            exited.signal()
        }.start()
    }

    /// Stops the timer (call once); returns whether it had let the held calls go.
    func finish() -> Bool {
        finished.signal()
        exited.wait()
        return released.withLock { $0 }
    }
}
