import Foundation
import Testing
@testable import AgentSessions
#if canImport(Glibc)
import Glibc
#endif

/// A stand-in for the `claude` CLI: a shell script written to a temporary directory.
///
/// The script records its pid and arguments, takes the session id from `--resume ID` (else
/// `new-session-1`), and then runs `body`, in which `$SID` is the session id. Use ``emit(_:)``
/// to print a JSON line.
struct StandInAgent {
    let directory = TemporaryDirectory("runner")
    var path: String { directory.path + "/claude" }
    var pidFile: String { directory.path + "/agent.pid" }
    var childPidFile: String { directory.path + "/child.pid" }
    var argumentsFile: String { directory.path + "/arguments" }

    init(_ body: String) {
        let script = """
        #!/bin/sh
        echo $$ > '\(directory.path)/agent.pid'
        printf '%s\\n' "$@" > '\(directory.path)/arguments'
        SID=new-session-1
        prev=""
        for a in "$@"; do
          if [ "$prev" = "--resume" ]; then SID="$a"; fi
          prev="$a"
        done
        \(body)
        """
        Self.writeExecutable(script, to: path)
    }

    /// Writes an executable file through a close-on-exec descriptor: a descriptor open for
    /// writing that leaked into a process spawned concurrently by another test would make
    /// `exec` of the script fail with `ETXTBSY` ("Text file busy").
    static func writeExecutable(_ text: String, to path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        precondition(fd >= 0, "cannot write \(path)")
        let bytes = Array(text.utf8)
        precondition(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count)
        close(fd)
    }

    func remove() { directory.remove() }

    /// A shell line printing `json` (with `$SID` expanded) and a newline. `json` must not contain `'`.
    static func emit(_ json: String) -> String {
        "printf '%s\\n' '" + json.replacingOccurrences(of: "$SID", with: "'\"$SID\"'") + "'"
    }

    static let initLine = emit(#"{"type":"system","subtype":"init","session_id":"$SID","model":"claude-test-1","cwd":"/tmp","tools":["Bash"]}"#)
    static let assistantLines = [
        emit(#"{"type":"assistant","message":{"id":"msg_1","role":"assistant","model":"claude-test-1","content":[{"type":"text","text":"Looking ✓"}]},"session_id":"$SID"}"#),
        emit(#"{"type":"assistant","message":{"id":"msg_1","role":"assistant","model":"claude-test-1","content":[{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"ls"}}]},"session_id":"$SID"}"#),
    ].joined(separator: "\n")
    static func resultLine(cost: Double = 0.0123) -> String {
        emit(#"{"type":"result","subtype":"success","is_error":false,"num_turns":1,"duration_ms":1200,"total_cost_usd":\#(cost),"session_id":"$SID"}"#)
    }
    /// A complete, successful turn: init, two assistant lines of one API message, a result.
    static let success = [initLine, assistantLines, resultLine()].joined(separator: "\n")

    /// The arguments the script was started with.
    func arguments() -> [String] {
        ((try? String(contentsOfFile: argumentsFile, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// The script's pid (once it has started).
    func pid(_ file: String? = nil) -> pid_t? {
        (try? String(contentsOfFile: file ?? pidFile, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// A runner on this script, recording into `store`.
    func runner(store: SessionStore?, grace: Duration = .seconds(2)) -> ClaudeCodeRunner {
        ClaudeCodeRunner(store: store, configuration: .init(executablePath: path, terminationGracePeriod: grace))
    }
}

/// Whether `pid` no longer runs: no such process, or a zombie waiting for its reaper.
func processIsGone(_ pid: pid_t) -> Bool {
    if kill(pid, 0) != 0 && errno == ESRCH { return true }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return true }
    return stat[close...].dropFirst(2).first == "Z"
}

/// Polls ``processIsGone(_:)`` for up to `seconds`.
func waitUntilGone(_ pid: pid_t, seconds: Double = 3) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if processIsGone(pid) { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return processIsGone(pid)
}
