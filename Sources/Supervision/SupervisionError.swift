/// Errors thrown by the supervision runtime, each with a stable ``code``.
public enum SupervisionError: Error, CustomStringConvertible {
    /// More than `maxRestarts` restarts within `period`: the supervisor stopped its children and
    /// failed. Code `intensity_exceeded`.
    case intensityExceeded(supervisor: String, maxRestarts: Int, period: Duration)
    /// No running instance of the child appeared within the call's timeout. Code `call_timeout`.
    case callTimeout(child: String, timeout: Duration)
    /// The child's start function or ``SupervisedChild/start()`` threw. Code `start_failed`.
    case startFailed(child: String, underlying: any Error)
    /// The supervisor has no child with this id. Code `unknown_child`.
    case unknownChild(String, supervisor: String)
    /// A child with this id already exists. Code `duplicate_child`.
    case duplicateChild(String, supervisor: String)
    /// The operation needs a stopped child but it is running or about to restart. Code `child_running`.
    case childRunning(String, supervisor: String)
    /// The supervisor is not running (not started yet, or already stopped). Code `not_running`.
    case notRunning(supervisor: String)
    /// The running instance is not of the type the handle was created for. Code `type_mismatch`.
    case typeMismatch(child: String, expected: String, actual: String)

    /// A stable, machine-readable code, for example `"call_timeout"`.
    public var code: String {
        switch self {
        case .intensityExceeded: "intensity_exceeded"
        case .callTimeout: "call_timeout"
        case .startFailed: "start_failed"
        case .unknownChild: "unknown_child"
        case .duplicateChild: "duplicate_child"
        case .childRunning: "child_running"
        case .notRunning: "not_running"
        case .typeMismatch: "type_mismatch"
        }
    }

    /// A sentence a person can act on, starting with the code.
    public var description: String {
        switch self {
        case let .intensityExceeded(name, max, period):
            "intensity_exceeded: supervisor '\(name)' needed more than \(max) restarts within \(period); it stopped all its children and failed"
        case let .callTimeout(child, timeout):
            "call_timeout: no running instance of child '\(child)' within \(timeout)"
        case let .startFailed(child, underlying):
            "start_failed: child '\(child)' failed to start: \(underlying)"
        case let .unknownChild(id, name):
            "unknown_child: supervisor '\(name)' has no child '\(id)'"
        case let .duplicateChild(id, name):
            "duplicate_child: supervisor '\(name)' already has a child '\(id)'"
        case let .childRunning(id, name):
            "child_running: child '\(id)' of supervisor '\(name)' is running or restarting; terminate it first"
        case let .notRunning(name):
            "not_running: supervisor '\(name)' is not running"
        case let .typeMismatch(child, expected, actual):
            "type_mismatch: child '\(child)' is a \(actual), not a \(expected)"
        }
    }
}
