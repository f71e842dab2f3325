/// What the store derives from a session's messages for its metadata: the cost (``SessionCost``),
/// the turn count (assistant messages), the model and the summary (``Session/summarize(_:)-([Message])``).
package struct StoredFacts: Equatable {
    var cost: Double
    var turnCount: Int
    var model: String?
    var summary: String?
}

extension StoredFacts {
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
    /// prompt text (``mayHoldPrompt(_:in:_:)``: tool results are skipped), `assistant` lines
    /// until the model and a text are known,
    /// and any line whose type or content cannot be told from its text. Gives the same facts as
    /// ``init(_:)`` on the parsed messages.
    package static func scanning(_ text: [UInt8]) -> (messages: [Message], facts: StoredFacts)? {
        guard text.first == UInt8(ascii: "{"), text.last == UInt8(ascii: "\n") else { return nil }
        var parser = JSONParser()  // for the second pass over a user line's message
        var messages: [Message] = []
        var decoded: [Message] = []  // the lines the facts depend on, in order
        var accumulator = SessionAccumulator()
        var skippedAssistants = 0  // the accumulator counts the decoded ones
        let failure = MessageLines.validateLines(text, capturing: "type", "message") { range, line, members in
            let (type, message) = members
            messages.append(Message(validatedText: text[range]))
            let needed: Bool
            switch type.plainString(in: line) {
            case .some(let name) where name.elementsEqual("assistant".utf8):
                needed = !accumulator.knowsAssistantFacts
                if !needed { skippedAssistants += 1 }
            case .some(let name) where name.elementsEqual("user".utf8):
                needed = !accumulator.knowsUserPrompt && Self.mayHoldPrompt(message, in: line, &parser)
            case .some(let name):
                needed = name.elementsEqual("system".utf8) || name.elementsEqual("result".utf8)
            case .none:
                needed = type != .absent  // a type only decoding tells
            }
            guard needed else { return }
            decoded.append(messages[messages.count - 1].decoded)
            accumulator.add(decoded[decoded.count - 1])
        }
        guard failure == nil else { return nil }
        let summary = accumulator.summary
        return (messages, StoredFacts(cost: SessionCost.total(decoded), turnCount: accumulator.assistantMessages + skippedAssistants,
                                      model: summary.model, summary: summary.summary))
    }

    /// Whether a content array may hold a text block (the blocks `Message.text(ofContent:)`
    /// reads): an element that is an object whose `type` may be `"text"`
    /// (``JSONParser/Member/mayBe(oneOf:in:)``).
    private static func mayHoldTextBlock(_ array: UnsafeRawBufferPointer, _ parser: inout JSONParser) -> Bool {
        do throws(JSONParseError) {
            return try parser.elements(ofArray: array, capturing: "type").contains { $0.member.mayBe(oneOf: "text", in: array) }
        } catch {
            return true
        }
    }

    /// Whether a `user` line's `message` (its member as validated) may hold prompt text for
    /// `Message.text(ofContent:)`: a `content` that is a non-empty string, or an array that may
    /// hold a text block (``mayHoldTextBlock(_:_:)``); also whenever a `message` or `content` key
    /// is repeated or some key at their level has escapes. `false` only when it cannot: no
    /// `message` object, no `content`, an empty string, any other kind of value, or an array
    /// without a text block (tool results, say).
    private static func mayHoldPrompt(_ message: JSONParser.Member, in line: UnsafeRawBufferPointer, _ parser: inout JSONParser) -> Bool {
        switch message {
        case .absent: return false
        case .undecided: return true
        case .value(let range):
            guard line[range.lowerBound] == UInt8(ascii: "{") else { return false }  // not an object: no content
            let object = UnsafeRawBufferPointer(rebasing: line[range])
            let content: JSONParser.Member
            do throws(JSONParseError) { content = try parser.validate(object, capturing: "content").0 } catch { return true }
            switch content {
            case .absent: return false
            case .undecided: return true
            case .value(let range):
                let value = UnsafeRawBufferPointer(rebasing: object[range])
                switch value.first {
                case UInt8(ascii: "\""): return value.count > 2  // "" has no text
                case UInt8(ascii: "["): return mayHoldTextBlock(value, &parser)
                default: return false  // neither a string nor an array: no text
                }
            }
        }
    }
}
