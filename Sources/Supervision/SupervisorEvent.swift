/// Something that happened in a supervisor, in the order it happened.
///
/// Read them from ``Supervisor/events``. The ``description`` is compact and stable enough for
/// logs and for tests (`"exited b abnormal(Boom())"`, `"restarted b #1"`).
public enum SupervisorEvent: Sendable, CustomStringConvertible {
    /// A child started for the first time (at start, `startChild` or `restartChild`).
    case childStarted(id: String)
    /// A child could not start; at ``Supervisor/start()`` this triggers the rollback.
    case childStartFailed(id: String, error: any Error)
    /// A child stopped: by itself (normal, abnormal, shutdown) or because the supervisor stopped
    /// it (shutdown, or killed when it did not end in time).
    case childExited(id: String, reason: ExitReason)
    /// A restart is waiting for its backoff delay.
    case restartScheduled(id: String, attempt: Int, delay: Duration)
    /// The supervisor restarted a child; `attempt` is that child's restart count (see ``Backoff``).
    case childRestarted(id: String, attempt: Int)
    /// A restart failed (the start function threw); it will be retried and counts toward intensity.
    case childRestartFailed(id: String, attempt: Int, error: any Error)
    /// Too many restarts: the supervisor now stops all children and fails.
    case intensityExceeded(supervisor: String, maxRestarts: Int, period: Duration)
    /// A stopped child's spec was removed (`deleteChild`, or a temporary child that stopped).
    case childDeleted(id: String)
    /// The supervisor finished an orderly shutdown. The event stream ends after this.
    case shutDown(supervisor: String)
    /// The supervisor failed (start failure or intensity) after stopping its children. The event
    /// stream ends after this.
    case failed(supervisor: String, error: SupervisionError)

    /// The child id the event is about, if any.
    public var childID: String? {
        switch self {
        case .childStarted(let id), .childStartFailed(let id, _), .childExited(let id, _),
             .restartScheduled(let id, _, _), .childRestarted(let id, _),
             .childRestartFailed(let id, _, _), .childDeleted(let id):
            id
        case .intensityExceeded, .shutDown, .failed:
            nil
        }
    }

    /// A compact form, for example `"started a"`, `"exited b killed"`, `"restarted b #2"`.
    public var description: String {
        switch self {
        case .childStarted(let id): "started \(id)"
        case .childStartFailed(let id, let error): "startFailed \(id) \(error)"
        case .childExited(let id, let reason): "exited \(id) \(reason)"
        case .restartScheduled(let id, let attempt, let delay): "scheduled \(id) #\(attempt) in \(delay)"
        case .childRestarted(let id, let attempt): "restarted \(id) #\(attempt)"
        case .childRestartFailed(let id, let attempt, let error): "restartFailed \(id) #\(attempt) \(error)"
        case .intensityExceeded(let name, _, _): "intensityExceeded \(name)"
        case .childDeleted(let id): "deleted \(id)"
        case .shutDown(let name): "shutDown \(name)"
        case .failed(let name, let error): "failed \(name) \(error.code)"
        }
    }
}
