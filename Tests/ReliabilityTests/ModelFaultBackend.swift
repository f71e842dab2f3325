import AgentSessions
import Foundation
import Synchronization
import TestSupport

/// The fault switch shared by every backend a store's factory builds (one per restart of the
/// store actor): armed for one write, it fails the next backend `write` call (through a
/// ``WriteFaultBackend``) and disarms.
final class ModelFaults: Sendable {
    private struct State {
        var armed: FaultMode?
        var fired = false
    }
    private let state = Mutex(State())

    func arm(_ mode: FaultMode) { state.withLock { $0 = State(armed: mode, fired: false) } }

    /// Disarms; returns whether the armed fault fired since ``arm(_:)``.
    func disarm() -> Bool {
        state.withLock { s in
            defer { s = State() }
            return s.fired
        }
    }

    func take() -> FaultMode? {
        state.withLock { s in
            guard let mode = s.armed else { return nil }
            s.armed = nil
            s.fired = true
            return mode
        }
    }
}
