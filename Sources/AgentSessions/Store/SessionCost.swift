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
        // Only `system` and `result` messages bear on it: a loaded message's type is read from its
        // text by the validator, and only those (and any whose type needs decoding) are decoded.
        var parser = JSONParser()
        let messages = stored.compactMap { message -> Message? in
            guard let text = message.storedText else { return message }
            let mayCount = text.withUnsafeBytes { raw -> Bool in
                do throws(JSONParseError) {
                    return try parser.validate(raw).0.mayBe(oneOf: "system", "result", in: raw)
                } catch {
                    return true
                }
            }
            return mayCount ? message.decoded : nil
        }
        var total = 0.0
        var runStart = 0
        for (index, message) in messages.enumerated() where index > runStart && message.type == "system" && message.subtype == "init" {
            total += Session.calculateCost(messages[runStart..<index])
            runStart = index
        }
        return total + Session.calculateCost(messages[runStart...])
    }
}
