/// What the store derives from a session's messages for its metadata: the cost (``SessionCost``),
/// the turn count (assistant messages), the model and the summary (``Session/summarize(_:)-([Message])``).
struct StoredFacts: Equatable {
    var cost: Double
    var turnCount: Int
    var model: String?
    var summary: String?

    init(cost: Double, turnCount: Int, model: String?, summary: String?) {
        self.cost = cost
        self.turnCount = turnCount
        self.model = model
        self.summary = summary
    }

    /// The facts of `messages`, every one of them read.
    init(_ messages: [Message]) {
        let summary = Session.summarize(messages)
        self.init(cost: SessionCost.total(messages), turnCount: summary.turns.assistantMessages, model: summary.model,
                  summary: summary.summary)
    }

    /// The messages of JSON-lines `text` (kept as text, as the store's cache holds them) and their
    /// facts, when `text` is in the stored form (every line a valid JSON object starting with `{`,
    /// a `\n` after the last, so it can be stored byte for byte); `nil` otherwise (parse it
    /// instead, which says what is wrong where).
    ///
    /// Every line is validated, and its top-level `type` read from the text; only the lines the
    /// facts depend on are decoded: every `system` and `result` line, `user` lines until one has
    /// prompt text, `assistant` lines until the model and a text are known, and any line whose
    /// type cannot be told from its text. Gives the same facts as ``init(_:)`` on the parsed messages.
    static func scanning(_ text: [UInt8]) -> (messages: [Message], facts: StoredFacts)? {
        guard text.first == UInt8(ascii: "{"), text.last == UInt8(ascii: "\n") else { return nil }
        var parser = JSONParser()
        var messages: [Message] = []
        var decoded: [Message] = []  // the lines the facts depend on, in order
        var accumulator = SessionAccumulator()
        var assistants = 0
        var valid = true
        MessageLines.forEachLine(text) { _, range in
            let type = text.withUnsafeBytes { raw -> JSONParser.TypeMember? in
                let line = UnsafeRawBufferPointer(rebasing: raw[range])
                guard line.first == UInt8(ascii: "{") else { return nil }
                return try? parser.validate(line)
            }
            guard let type else {
                valid = false
                return false
            }
            let message = Message(validatedText: text[range])
            messages.append(message)
            let needed: Bool
            switch type {
            case .plain(let name):
                let name = text[name.lowerBound + range.lowerBound..<name.upperBound + range.lowerBound]
                if name.elementsEqual("assistant".utf8) {
                    assistants += 1
                    needed = !accumulator.knowsAssistantFacts
                } else if name.elementsEqual("user".utf8) {
                    needed = !accumulator.knowsUserPrompt
                } else {
                    needed = name.elementsEqual("system".utf8) || name.elementsEqual("result".utf8)
                }
            case .absent:
                needed = false
            case .undecided:
                needed = true
            }
            if needed {
                decoded.append(message.decoded)
                let counted = accumulator.assistantMessages
                accumulator.add(decoded[decoded.count - 1])
                // A type read from the text was counted above; one only decoding tells is counted
                // as the accumulator saw it (a repeated key, for one, is read as its last value).
                if case .undecided = type { assistants += accumulator.assistantMessages - counted }
            }
            return true
        }
        guard valid else { return nil }
        let summary = accumulator.summary
        return (messages, StoredFacts(cost: SessionCost.total(decoded), turnCount: assistants, model: summary.model,
                                      summary: summary.summary))
    }
}
