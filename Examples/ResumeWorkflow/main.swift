// ResumeWorkflow: a two-step agent workflow that survives a process restart.
//
//   swift run Examples/ResumeWorkflow [--store DIR] [--live | --stand-in]
//
// Step 1 starts a session with the agent and records it, tagged, in a store; the store is
// then stopped as if the process had ended. A new store opens the same directory, finds the
// session again with `SessionStore.search(tags:)`, and resumes it for step 2.
//
// The agent is the real `claude` CLI when it is on PATH (or CLAUDE_PATH), or with --live;
// otherwise a small stand-in script, written to a temporary directory, that prints realistic
// stream-json (so the example runs anywhere, offline, in a second). --stand-in forces it.
import AgentSessions
import Foundation

/// The command line of the example.
struct Options {
    var store: String?
    var live = false
    var standIn = false

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var words = arguments[...]
        while let word = words.popFirst() {
            switch word {
            case "--store":
                guard let value = words.popFirst() else { fail("--store needs a directory") }
                options.store = value
            case "--live": options.live = true
            case "--stand-in": options.standIn = true
            case "-h", "--help":
                print("usage: swift run Examples/ResumeWorkflow [--store DIR] [--live | --stand-in]")
                exit(0)
            default: fail("unknown argument \(word); see --help")
            }
        }
        if options.live && options.standIn { fail("--live and --stand-in cannot be used together") }
        return options
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("ResumeWorkflow: \(message)\n".utf8))
    exit(1)
}

/// Writes the stand-in agent: it prints an init line with a session id (a new one, or the
/// `--resume` id), a split assistant response, a tool round trip and a result with a cost.
func writeStandInAgent(in directory: String) throws -> String {
    let path = directory + "/claude-stand-in"
    let script = #"""
    #!/bin/sh
    # A stand-in for `claude -p PROMPT --output-format stream-json --verbose [--resume ID]`.
    SID=""
    STEP="start a new session"
    prev=""
    for a in "$@"; do
      if [ "$prev" = "--resume" ]; then SID="$a"; STEP="resume session $a"; fi
      prev="$a"
    done
    if [ -z "$SID" ]; then
      SID=$(cat /proc/sys/kernel/random/uuid 2>/dev/null || uuidgen 2>/dev/null || echo "stand-in-$$-$(date +%s)")
      SID=$(echo "$SID" | tr 'A-Z' 'a-z')
    fi
    emit() { printf '%s\n' "$1"; }
    emit '{"type":"system","subtype":"init","session_id":"'"$SID"'","model":"claude-stand-in","cwd":"'"$PWD"'","tools":["Read","Bash"],"permissionMode":"default"}'
    emit '{"type":"assistant","message":{"id":"msg_'"$$"'_1","type":"message","role":"assistant","model":"claude-stand-in","content":[{"type":"text","text":"I will '"$STEP"'."}],"usage":{"input_tokens":12,"output_tokens":9}},"session_id":"'"$SID"'"}'
    emit '{"type":"assistant","message":{"id":"msg_'"$$"'_1","type":"message","role":"assistant","model":"claude-stand-in","content":[{"type":"tool_use","id":"toolu_'"$$"'","name":"Bash","input":{"command":"ls"}}],"usage":{"input_tokens":12,"output_tokens":21}},"session_id":"'"$SID"'"}'
    emit '{"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_'"$$"'","type":"tool_result","content":"Package.swift\nSources"}]},"session_id":"'"$SID"'"}'
    emit '{"type":"assistant","message":{"id":"msg_'"$$"'_2","type":"message","role":"assistant","model":"claude-stand-in","content":[{"type":"text","text":"Done: '"$STEP"'."}],"usage":{"input_tokens":40,"output_tokens":7}},"session_id":"'"$SID"'"}'
    emit '{"type":"result","subtype":"success","is_error":false,"duration_ms":840,"num_turns":2,"result":"Done.","session_id":"'"$SID"'","total_cost_usd":0.0042,"usage":{"input_tokens":52,"output_tokens":37}}'
    """#
    guard FileManager.default.createFile(atPath: path, contents: Data(script.utf8), attributes: [.posixPermissions: 0o755]) else {
        fail("cannot write the stand-in agent to \(path)")
    }
    return path
}

/// Prints what the store knows about a session after a step.
func report(turn: AgentRunResult, session: SessionMetadata) {
    print("""
      session id:   \(session.id)
      this turn:    \(turn.messages.count) messages, \(turn.summary.turns.assistantMessages) assistant messages, \
    \(turn.summary.turns.apiMessages) API messages, cost $\(String(format: "%.4f", turn.summary.costUSD))
      stored:       \(session.messageCount) messages, \(session.turnCount) turns, cost $\(String(format: "%.4f", session.totalCostUSD))
      tags:         \(session.tags.joined(separator: ", "))
    """)
}

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
let scratch = NSTemporaryDirectory() + "resume-workflow-\(UUID().uuidString.prefix(8).lowercased())"
try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
let storeDirectory = options.store ?? scratch + "/store"
// The static SessionStore calls use AGENT_SESSIONS_DIR; set it before their first use.
setenv("AGENT_SESSIONS_DIR", storeDirectory, 1)
print("store: \(storeDirectory)\(options.store == nil ? " (temporary; pass --store DIR to choose)" : "")")

// Which agent: the real CLI when available (or demanded), else the stand-in.
var agent = ClaudeCodeRunner.Configuration()
let live: Bool
if options.standIn {
    live = false
} else if let path = try? ClaudeCodeRunner(configuration: agent).locateExecutable() {
    agent.executablePath = path
    live = true
} else if options.live {
    fail("--live: the claude CLI was not found on PATH; install Claude Code or set CLAUDE_PATH")
} else {
    live = false
}
if live {
    print("agent: the real claude CLI at \(agent.executablePath ?? "?") (this uses your account)")
} else {
    agent.executablePath = try writeStandInAgent(in: scratch)
    print("agent: claude was not used; using the bundled stand-in agent \(agent.executablePath ?? "") (no network)")
}
let tag = "resume-workflow"

do {
    // Step 1: start a session and record it, tagged.
    print("\nstep 1: start a session")
    var configuration = SessionStore.Configuration(directory: storeDirectory)
    configuration.cleanup = nil
    let firstStore = try await SessionStore.start(configuration)
    let first = try await ClaudeCodeRunner(store: firstStore, configuration: agent)
        .run("Outline a plan to add a --json flag to our tool. Be brief.", options: RunOptions(tags: [tag, "step-1"]))
        .collect()
    guard let id = first.sessionID else { fail("the agent did not report a session id") }
    report(turn: first, session: try await firstStore.session(id))
    await firstStore.shutdown()
    print("  (store stopped, as if the process had ended)")

    // Step 2: a new store on the same directory finds the session by tag and resumes it.
    print("\nstep 2: find the session by tag and resume it")
    let found = try await SessionStore.search(tags: [tag])
    guard let session = found.first else { fail("no session tagged \(tag) in \(storeDirectory)") }
    print("  found \(found.count) session tagged \(tag): \(session.id)")
    let second = try await ClaudeCodeRunner(store: try await SessionStore.shared(), configuration: agent)
        .resume(session.id, prompt: "Now carry out step 1 of the plan. Be brief.", tags: ["step-2"])
        .collect()
    report(turn: second, session: try await SessionStore.shared().session(session.id))
    if second.sessionID != session.id {
        print("  note: the agent answered under a new session id \(second.sessionID ?? "?")")
    }
    print("\ndone: inspect it with `sessions --store \(storeDirectory) show \(session.id)`")
    // The scratch directory holds the stand-in agent and, without --store, the store (kept for
    // inspection); with --store only the stand-in, so it goes.
    if options.store != nil { try? FileManager.default.removeItem(atPath: scratch) }
} catch let error as ClaudeCodeError {
    fail(error.description)
} catch let error as StoreError {
    fail(error.description)
}
