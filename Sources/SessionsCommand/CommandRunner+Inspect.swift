import AgentSessions
import Foundation

extension CommandRunner {
    /// `inspect FILE...`: runs the `Session` helper over each file (lenient: bad lines are
    /// reported, not fatal) and prints the facts. A missing file is reported and gives exit 1.
    func inspect(_ files: [String]) -> ExitCode {
        var code = ExitCode.success
        for file in files {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue else {
                console.error("\(file): no such file; check the path")
                code = code.worse(.notFound)
                continue
            }
            let result: MessageReadResult
            do { result = try MessageReader.read(contentsOf: URL(fileURLWithPath: file), mode: .lenient) } catch {
                console.error("\(file): \(error.description)")
                code = code.worse(.storeError)
                continue
            }
            let facts = Session.summarize(result.messages)
            let outcome = Rendering.outcome(facts.outcome)
            if json {
                var object: JSONObject = [
                    "file": .string(file), "session_id": facts.sessionID.map { .string($0) } ?? .null,
                    "total_cost_usd": .double(facts.costUSD), "assistant_messages": .int(Int64(facts.turns.assistantMessages)),
                    "api_messages": .int(Int64(facts.turns.apiMessages)),
                    "reported_turns": facts.turns.reportedTurns.map { .int(Int64($0)) } ?? .null,
                    "model": facts.model.map { .string($0) } ?? .null, "outcome": .string(outcome.name),
                    "message_count": .int(Int64(facts.messageCount)),
                    "bad_lines": .array(result.badLines.map { bad in
                        .object(["line": .int(Int64(bad.lineNumber)), "byte_offset": .int(Int64(bad.byteOffset)),
                                 "reason": .string(bad.reason.description)])
                    }),
                ]
                if outcome.name == "error" { object["error_subtype"] = outcome.subtype.map { .string($0) } ?? .null }
                emit(.object(object))
            } else {
                console.line(file)
                console.line("  session id:          \(facts.sessionID ?? "-")")
                console.line("  cost:                \(Rendering.cost(facts.costUSD))")
                console.line("  assistant messages:  \(facts.turns.assistantMessages)   (assistant lines)")
                console.line("  API messages:        \(facts.turns.apiMessages)   (distinct message.id)")
                console.line("  reported turns:      \(facts.turns.reportedTurns.map(String.init) ?? "-")   (the last result's num_turns)")
                console.line("  model:               \(facts.model ?? "-")")
                console.line("  outcome:             \(outcome.name)\(outcome.subtype.map { " (\($0))" } ?? "")")
                console.line("  messages:            \(facts.messageCount)")
                console.line("  bad lines:           \(result.badLines.count)")
                for bad in result.badLines { console.line("    line \(bad.lineNumber): \(bad.reason)") }
            }
        }
        return code
    }
}
