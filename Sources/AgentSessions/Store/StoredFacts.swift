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
    /// prompt text (``mayHoldPrompt(_:in:_:)``: tool results are skipped), `assistant` lines
    /// until the model and a text are known,
    /// and any line whose type or content cannot be told from its text. Gives the same facts as
    /// ``init(_:)`` on the parsed messages.
    static func scanning(_ text: [UInt8]) -> (messages: [Message], facts: StoredFacts)? {
        guard text.first == UInt8(ascii: "{"), text.last == UInt8(ascii: "\n") else { return nil }
        var parser = JSONParser()  // for the second pass over a user line's message
        var messages: [Message] = []
        var decoded: [Message] = []  // the lines the facts depend on, in order
        var accumulator = SessionAccumulator()
        var assistants = 0
        let failure = MessageLines.validateLines(text, capturing: "type", "message") { range, line, members in
            let (type, message) = members
            messages.append(Message(validatedText: text[range]))
            let needed: Bool
            let name = type.plainString(in: line)
            switch name {
            case .some(let name) where name.elementsEqual("assistant".utf8):
                assistants += 1
                needed = !accumulator.knowsAssistantFacts
            case .some(let name) where name.elementsEqual("user".utf8):
                needed = !accumulator.knowsUserPrompt && Self.mayHoldPrompt(message, in: line, &parser)
            case .some(let name):
                needed = name.elementsEqual("system".utf8) || name.elementsEqual("result".utf8)
            case .none:
                needed = type != .absent  // a type only decoding tells
            }
            guard needed else { return }
            decoded.append(messages[messages.count - 1].decoded)
            let counted = accumulator.assistantMessages
            accumulator.add(decoded[decoded.count - 1])
            // A type read from the text was counted above; one only decoding tells is counted
            // as the accumulator saw it (a repeated key, for one, is read as its last value).
            if name == nil { assistants += accumulator.assistantMessages - counted }
        }
        guard failure == nil else { return nil }
        let summary = accumulator.summary
        return (messages, StoredFacts(cost: SessionCost.total(decoded), turnCount: assistants, model: summary.model,
                                      summary: summary.summary))
    }

    /// Whether a content array may hold a text block (the blocks `Message.text(ofContent:)`
    /// reads): an element that is an object whose `type` is `"text"`, or whose `type` only decoding
    /// tells (a string with escapes, a repeated key, a key with escapes).
    private static func mayHoldTextBlock(_ array: UnsafeRawBufferPointer, _ parser: inout JSONParser) -> Bool {
        let elements: [Range<Int>]
        do throws(JSONParseError) { elements = try parser.elements(ofArray: array) } catch { return true }
        for range in elements where array[range.lowerBound] == UInt8(ascii: "{") {
            let block = UnsafeRawBufferPointer(rebasing: array[range])
            let type: JSONParser.Member
            do throws(JSONParseError) { type = try parser.validate(block, capturing: "type").0 } catch { return true }
            switch type {
            case .absent: continue
            case .undecided: return true
            case .value(let value):
                guard block[value.lowerBound] == UInt8(ascii: "\"") else { continue }  // not a string: not a text block
                guard let name = type.plainString(in: block) else { return true }  // escaped: decoding tells
                if name.elementsEqual("text".utf8) { return true }
            }
        }
        return false
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
