import Foundation
import Synchronization
import TestSupport
@testable import AgentSessions

/// Which write calls a ``WriteFaultBackend`` fails, for crash/restart tests.
///
/// The plan is shared by every backend the store's factory builds (each restart of the store
/// actor builds a new one), so "fail the 3rd write" counts across restarts.
final class FaultPlan: Sendable {
    private struct State {
        var writes = 0
        var failing: Set<Int> = []
        var when: WriteFault = .afterWriting
        var errno: Int32 = EIO
    }
    private let state = Mutex(State())

    /// Fails the write calls numbered `numbers` (1-based, counted over all instances).
    func failWrites(_ numbers: Set<Int>, when: WriteFault, errno: Int32 = EIO) {
        state.withLock { $0.failing = numbers; $0.when = when; $0.errno = errno }
    }

    /// Counts a write call and says whether (and how) it fails.
    func nextWrite() -> (fault: WriteFault, errno: Int32)? {
        state.withLock { s in
            s.writes += 1
            return s.failing.contains(s.writes) ? (s.when, s.errno) : nil
        }
    }

    /// A file backend at `directory` that fails as this plan says.
    func backend(_ directory: String) -> WriteFaultBackend {
        WriteFaultBackend(base: FileBackend(directory: directory)) { self.nextWrite() }
    }
}
