/// Hand-written streams following DESIGN §4, one per trap. Each is a Swift string
/// literal of JSON Lines (stream-json or transcript format).
enum Fixtures {
    static let sessionID = "5f1c2a9e-0000-4000-8000-000000000001"

    static let initLine = #"{"type":"system","subtype":"init","cwd":"/home/dev/app","session_id":"5f1c2a9e-0000-4000-8000-000000000001","tools":["Bash","Read"],"mcp_servers":[],"model":"claude-sonnet-4-5-20250929","permissionMode":"default","apiKeySource":"none"}"#

    /// One API response (msg_A) split over three assistant lines (thinking/text,
    /// text, tool_use), each repeating the same usage; then a tool result; then a
    /// second API response (msg_B); then the result.
    static let splitAssistant = """
        \(initLine)
        {"type":"assistant","message":{"id":"msg_A","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"Let me look."}],"stop_reason":null,"usage":{"input_tokens":10,"cache_creation_input_tokens":100,"cache_read_input_tokens":1000,"output_tokens":5}},"parent_tool_use_id":null,"session_id":"5f1c2a9e-0000-4000-8000-000000000001"}
        {"type":"assistant","message":{"id":"msg_A","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"Running ls."}],"stop_reason":null,"usage":{"input_tokens":10,"cache_creation_input_tokens":100,"cache_read_input_tokens":1000,"output_tokens":5}},"parent_tool_use_id":null,"session_id":"5f1c2a9e-0000-4000-8000-000000000001"}
        {"type":"assistant","message":{"id":"msg_A","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"ls -la","timeout":120000}}],"stop_reason":"tool_use","usage":{"input_tokens":10,"cache_creation_input_tokens":100,"cache_read_input_tokens":1000,"output_tokens":40}},"parent_tool_use_id":null,"session_id":"5f1c2a9e-0000-4000-8000-000000000001"}
        {"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_1","type":"tool_result","content":"total 0\\n"}]},"parent_tool_use_id":null,"session_id":"5f1c2a9e-0000-4000-8000-000000000001"}
        {"type":"assistant","message":{"id":"msg_B","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"The directory is empty."}],"stop_reason":"end_turn","usage":{"input_tokens":3,"cache_creation_input_tokens":20,"cache_read_input_tokens":1100,"output_tokens":8}},"parent_tool_use_id":null,"session_id":"5f1c2a9e-0000-4000-8000-000000000001"}
        {"type":"result","subtype":"success","is_error":false,"duration_ms":5123,"duration_api_ms":4000,"num_turns":2,"result":"The directory is empty.","session_id":"5f1c2a9e-0000-4000-8000-000000000001","total_cost_usd":0.0123,"usage":{"input_tokens":13,"cache_creation_input_tokens":120,"cache_read_input_tokens":2100,"output_tokens":48}}

        """

    /// An older CLI: `cost_usd` instead of `total_cost_usd`.
    static let legacyCost = """
        \(initLine)
        {"type":"assistant","message":{"id":"msg_1","role":"assistant","model":"claude-3-5-sonnet-20241022","content":[{"type":"text","text":"Hi"}],"usage":{"input_tokens":1,"output_tokens":2}},"session_id":"5f1c2a9e-0000-4000-8000-000000000001"}
        {"type":"result","subtype":"success","is_error":false,"duration_ms":900,"num_turns":1,"result":"Hi","session_id":"5f1c2a9e-0000-4000-8000-000000000001","cost_usd":0.0042}

        """

    /// Older still: only `total_cost`.
    static let legacyTotalCost = """
        {"type":"result","subtype":"success","is_error":false,"num_turns":1,"session_id":"s-legacy","total_cost":0.5}

        """

    /// The process was killed: no result line.
    static let missingResult = """
        \(initLine)
        {"type":"assistant","message":{"id":"msg_1","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"Starting the refactor…"}],"usage":{"input_tokens":4,"output_tokens":7}},"session_id":"5f1c2a9e-0000-4000-8000-000000000001"}

        """

    /// Error subtypes reported with `is_error: false`.
    static func errorResult(subtype: String) -> String {
        """
        \(initLine)
        {"type":"assistant","message":{"id":"msg_1","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"Working"}],"usage":{"input_tokens":4,"output_tokens":7}},"session_id":"5f1c2a9e-0000-4000-8000-000000000001"}
        {"type":"result","subtype":"\(subtype)","is_error":false,"duration_ms":60000,"num_turns":10,"session_id":"5f1c2a9e-0000-4000-8000-000000000001","total_cost_usd":1.25,"usage":{"input_tokens":4,"output_tokens":7}}

        """
    }

    /// Hook output before `init` and after the first result; the process goes on
    /// (a second prompt in the same process) and its second, cumulative result is last.
    static let hooksAroundInit = """
        {"type":"system","subtype":"hook_response","hook_name":"SessionStart:startup","stdout":"loaded 3 rules","stderr":"","exit_code":0,"session_id":"5f1c2a9e-0000-4000-8000-000000000001","uuid":"u-hook-1"}
        \(initLine)
        {"type":"assistant","message":{"id":"msg_1","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"First answer"}],"usage":{"input_tokens":4,"output_tokens":7}},"session_id":"5f1c2a9e-0000-4000-8000-000000000001"}
        {"type":"result","subtype":"success","is_error":false,"duration_ms":1000,"num_turns":1,"session_id":"5f1c2a9e-0000-4000-8000-000000000001","total_cost_usd":0.10}
        {"type":"system","subtype":"hook_response","hook_name":"Stop","stdout":"","stderr":"","exit_code":0,"session_id":"5f1c2a9e-0000-4000-8000-000000000001"}
        {"type":"assistant","message":{"id":"msg_2","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"Second answer"}],"usage":{"input_tokens":5,"output_tokens":9}},"session_id":"5f1c2a9e-0000-4000-8000-000000000001"}
        {"type":"result","subtype":"success","is_error":false,"duration_ms":2500,"num_turns":2,"session_id":"5f1c2a9e-0000-4000-8000-000000000001","total_cost_usd":0.25}
        {"type":"system","subtype":"hook_response","hook_name":"Stop","stdout":"","stderr":"","exit_code":0,"session_id":"5f1c2a9e-0000-4000-8000-000000000001"}

        """

    /// A non-JSON line (a stray log line) in the middle: line 3.
    static let nonJSONLine = """
        \(initLine)
        {"type":"assistant","message":{"id":"msg_1","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"Hello 😀"}],"usage":{"input_tokens":4,"output_tokens":7}},"session_id":"5f1c2a9e-0000-4000-8000-000000000001"}
        [warn] MCP server "github" failed to start
        {"type":"result","subtype":"success","is_error":false,"duration_ms":700,"num_turns":1,"session_id":"5f1c2a9e-0000-4000-8000-000000000001","total_cost_usd":0.01}

        """

    /// No final newline, CRLF line ends and a blank line.
    static let noFinalNewline = "\(initLine)\r\n\r\n"
        + #"{"type":"assistant","message":{"id":"msg_1","content":"plain string content"},"session_id":"5f1c2a9e-0000-4000-8000-000000000001"}"# + "\n"
        + #"{"type":"result","subtype":"success","is_error":false,"num_turns":1,"session_id":"5f1c2a9e-0000-4000-8000-000000000001","total_cost_usd":0.02}"#

    /// A transcript as kept under ~/.claude/projects: camelCase ids, uuids, timestamps.
    static let transcript = """
        {"type":"summary","summary":"Fix the flaky upload test","leafUuid":"u-3"}
        {"parentUuid":null,"isSidechain":false,"userType":"external","cwd":"/home/dev/app","sessionId":"9d3b6c1e-aaaa-4bbb-8ccc-000000000002","version":"2.0.14","gitBranch":"main","type":"user","message":{"role":"user","content":"Why does the upload test fail on CI but not locally? It fails about one run in five."},"uuid":"u-1","timestamp":"2025-11-30T21:13:21.123Z"}
        {"parentUuid":"u-1","isSidechain":false,"userType":"external","cwd":"/home/dev/app","sessionId":"9d3b6c1e-aaaa-4bbb-8ccc-000000000002","version":"2.0.14","type":"assistant","message":{"id":"msg_T1","type":"message","role":"assistant","model":"claude-opus-4-1-20250805","content":[{"type":"text","text":"It races with the cleanup task."},{"type":"tool_use","id":"toolu_9","name":"Read","input":{"file_path":"/home/dev/app/tests/upload_test.py"}}],"stop_reason":"tool_use","usage":{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":500,"output_tokens":30}},"requestId":"req_1","uuid":"u-2","timestamp":"2025-11-30T21:13:25Z"}
        {"parentUuid":"u-2","isSidechain":false,"userType":"external","cwd":"/home/dev/app","sessionId":"9d3b6c1e-aaaa-4bbb-8ccc-000000000002","version":"2.0.14","type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_9","type":"tool_result","content":"def test_upload(): ..."}]},"uuid":"u-3","timestamp":"2025-11-30T21:13:26.5+01:00"}

        """
}
