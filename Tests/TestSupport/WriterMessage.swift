import AgentSessions

/// The message at `position` of session `id` that the StoreWriter test program writes and the
/// reliability tests expect back: deterministic, with non-ASCII text and JSON escapes.
public func writerMessage(_ id: String, _ position: Int) -> Message {
    let text = "\(id) #\(position) — ünïcode 日本 \\\"quoted\\\" \\n line"
    return try! Message(parsing: #"{"type":"user","n":\#(position),"message":{"role":"user","content":"\#(text)"},"session_id":"\#(id)"}"#)
}
