/// The cost the store records for a session: the sum, over the agent processes that produced
/// it, of each process's last reported cost.
///
/// `total_cost_usd` is cumulative within one `claude` process (so ``Session/calculateCost(_:)``
/// takes the last `result`), but every `--resume` is a new process that starts counting from
/// zero. A stored session that was resumed twice therefore holds three runs; its cost is the
/// sum of the three runs' last results. A run starts at each `system` message with subtype
/// `init`; messages before the first one belong to the first run.
enum SessionCost {
    static func total(_ stored: [Message]) -> Double {
        let messages = stored.map(\.decoded)  // loaded messages hold text: decode each once
        var total = 0.0
        var runStart = 0
        for (index, message) in messages.enumerated() where index > runStart && message.type == "system" && message.subtype == "init" {
            total += Session.calculateCost(messages[runStart..<index])
            runStart = index
        }
        return total + Session.calculateCost(messages[runStart...])
    }
}
