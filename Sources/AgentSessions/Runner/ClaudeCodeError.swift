#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an agent run failed, with a stable machine-readable ``code``.
///
/// Cases that happen after the session id is known carry it, so a caller can look the
/// session up in the store: everything that arrived before the failure was recorded.
public enum ClaudeCodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No executable: `name` was not found or is not executable; `searched` lists where we looked.
    case executableNotFound(name: String, searched: [String])
    /// The executable was found but could not be started (`errno` from `posix_spawn` or `pipe`).
    case launchFailed(path: String, errno: Int32)
    /// The process exited with a non-zero status; `stderrTail` is the end of what it wrote to stderr.
    case nonZeroExit(status: Int32, stderrTail: String, sessionID: String?)
    /// The output is not stream-json: line `lineNumber` (1-based; 0 when there was no output at
    /// all) is not a JSON object. The process is terminated.
    case invalidOutput(lineNumber: Int, reason: String, sessionID: String?)
    /// The process was killed by `signal` (not by us) before it finished its output.
    case killed(signal: Int32, stderrTail: String, sessionID: String?)
    /// The consuming task was cancelled; the process tree was terminated (`SIGTERM`, then `SIGKILL`).
    case cancelled(sessionID: String?)
    /// Reading the process's output failed.
    case readFailed(reason: String, sessionID: String?)
    /// Recording a message in the store failed; the process was terminated.
    case recordingFailed(StoreError, sessionID: String?)

    /// The stable code: `executable_not_found`, `launch_failed`, `non_zero_exit`, `invalid_output`,
    /// `killed`, `cancelled`, `read_failed` or `recording_failed`.
    public var code: String {
        switch self {
        case .executableNotFound: "executable_not_found"
        case .launchFailed: "launch_failed"
        case .nonZeroExit: "non_zero_exit"
        case .invalidOutput: "invalid_output"
        case .killed: "killed"
        case .cancelled: "cancelled"
        case .readFailed: "read_failed"
        case .recordingFailed: "recording_failed"
        }
    }

    /// The session id, when the run had reported it before failing.
    public var sessionID: String? {
        switch self {
        case .executableNotFound, .launchFailed: nil
        case .nonZeroExit(_, _, let id), .invalidOutput(_, _, let id), .killed(_, _, let id), .cancelled(let id),
             .readFailed(_, let id), .recordingFailed(_, let id): id
        }
    }

    /// One line saying what happened and what to do.
    public var description: String {
        let session = sessionID.map { "; session \($0) keeps the messages received so far" } ?? ""
        switch self {
        case .executableNotFound(let name, let searched):
            return "executable_not_found: \(name) was not found or is not executable (searched: \(searched.isEmpty ? "nothing; PATH is empty" : searched.joined(separator: ", "))); install Claude Code or set CLAUDE_PATH"
        case .launchFailed(let path, let errno):
            return "launch_failed: cannot start \(path): \(String(cString: strerror(errno))) (errno \(errno))"
        case .nonZeroExit(let status, let tail, _):
            return "non_zero_exit: the agent exited with status \(status)" + (tail.isEmpty ? "" : ": \(Self.oneLine(tail))") + session
        case .invalidOutput(let line, let reason, _):
            return line == 0
                ? "invalid_output: the agent printed nothing; check that it supports --output-format stream-json" + session
                : "invalid_output: line \(line) of the agent's output is not stream-json (\(reason)); check the executable and its version" + session
        case .killed(let signal, let tail, _):
            return "killed: the agent was killed by signal \(signal) mid-stream" + (tail.isEmpty ? "" : ": \(Self.oneLine(tail))") + session
        case .cancelled:
            return "cancelled: the run was cancelled and the agent process terminated" + session
        case .readFailed(let reason, _):
            return "read_failed: cannot read the agent's output: \(reason)" + session
        case .recordingFailed(let error, _):
            return "recording_failed: \(error.description); the agent process was terminated"
        }
    }

    /// The last 300 characters of `text`, its lines joined with ` | `.
    static func oneLine(_ text: String) -> String {
        let joined = text.split(whereSeparator: \.isNewline).joined(separator: " | ")
        return joined.count <= 300 ? joined : "…" + String(joined.suffix(300))
    }
}
