/// The single pass behind ``Session/summarize(_:)``: feed messages in order, then
/// read ``summary``. Reads each message's top-level members once.
struct SessionAccumulator {
    private var systemSessionID: String?
    private var anySessionID: String?
    private var messageCount = 0
    private(set) var assistantMessages = 0
    private var apiMessageIDs: Set<String> = []
    private var anonymousAPIMessages = 0
    private var usageByID: [String: TokenUsage] = [:]
    private var anonymousUsage = TokenUsage.zero
    private var systemModel: String?
    private var assistantModel: String?
    private var firstUserPrompt: String?
    private var firstAssistantText: String?
    private var lastResult: Message?
    private var firstTimestamp: String?
    private var lastTimestamp: String?

    mutating func add(_ message: Message) {
        messageCount += 1
        guard case .object(let object) = message.json else { return }
        var type: String?
        var sessionID: String?
        var camelSessionID: String?
        var topModel: String?
        var apiMessage: JSONObject?
        var timestamp: String?
        let members = object.members
        for index in members.indices {
            // Borrow members by index (no copy, so values we skip are never
            // touched) and dispatch on the key's length before comparing it.
            switch members[index].key.utf8.count {
            case 4 where members[index].key == "type": type = members[index].value.stringValue
            case 10 where members[index].key == "session_id": sessionID = members[index].value.stringValue
            case 9 where members[index].key == "sessionId": camelSessionID = members[index].value.stringValue
            case 9 where members[index].key == "timestamp": timestamp = members[index].value.stringValue
            case 5 where members[index].key == "model": topModel = members[index].value.stringValue
            case 7 where members[index].key == "message": apiMessage = members[index].value.objectValue
            default: break
            }
        }
        let id = sessionID ?? camelSessionID
        if let id {
            if anySessionID == nil { anySessionID = id }
            if systemSessionID == nil && type == "system" { systemSessionID = id }
        }
        if let timestamp {
            if firstTimestamp == nil { firstTimestamp = timestamp }
            lastTimestamp = timestamp
        }
        switch type {
        case "system":
            if systemModel == nil, let topModel { systemModel = topModel }
        case "assistant":
            assistantMessages += 1
            let messageID = apiMessage?["id"]?.stringValue
            let usage = apiMessage?["usage"]?.objectValue.map(TokenUsage.init(object:))
            if let messageID {
                apiMessageIDs.insert(messageID)
                // A split response repeats its usage on each line: keep the last.
                if let usage { usageByID[messageID] = usage }
            } else {
                anonymousAPIMessages += 1
                if let usage { anonymousUsage += usage }
            }
            if assistantModel == nil { assistantModel = apiMessage?["model"]?.stringValue }
            if firstAssistantText == nil, let content = apiMessage?["content"] {
                let text = Message.text(ofContent: content)
                if !text.isEmpty { firstAssistantText = text }
            }
        case "user":
            if firstUserPrompt == nil, let content = apiMessage?["content"] {
                let text = Message.text(ofContent: content)
                if !text.isEmpty { firstUserPrompt = text }
            }
        case "result":
            lastResult = message
        default:
            break
        }
    }

    /// Whether a user prompt has been seen (later user messages cannot change the summary).
    var knowsUserPrompt: Bool { firstUserPrompt != nil }

    /// Whether an assistant message's model and text have been seen (later assistant messages
    /// can change only the counts and the usage).
    var knowsAssistantFacts: Bool { assistantModel != nil && firstAssistantText != nil }

    var summary: SessionSummary {
        var usage = anonymousUsage
        for value in usageByID.values { usage += value }
        let text = (firstUserPrompt ?? firstAssistantText).map(Session.shorten)
        return SessionSummary(
            sessionID: systemSessionID ?? anySessionID,
            messageCount: messageCount,
            costUSD: lastResult?.totalCostUSD ?? 0,
            turns: TurnCounts(
                assistantMessages: assistantMessages,
                apiMessages: apiMessageIDs.count + anonymousAPIMessages,
                reportedTurns: lastResult?.numTurns
            ),
            model: systemModel ?? assistantModel,
            summary: text,
            usage: usage,
            durationMS: lastResult?.durationMS,
            outcome: lastResult.map(SessionOutcome.classify(result:)) ?? .incomplete,
            firstTimestamp: firstTimestamp.flatMap(ISO8601Timestamp.parse),
            lastTimestamp: lastTimestamp.flatMap(ISO8601Timestamp.parse)
        )
    }
}
