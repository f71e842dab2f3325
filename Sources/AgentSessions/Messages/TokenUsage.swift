/// Token counts of an API response (`usage` of an assistant or result message).
///
/// Missing fields count as zero. Other fields of `usage` (`service_tier`,
/// `server_tool_use`, ...) stay available in the message's JSON.
public struct TokenUsage: Sendable, Hashable {
    /// `input_tokens`.
    public var inputTokens: Int
    /// `output_tokens`.
    public var outputTokens: Int
    /// `cache_creation_input_tokens`.
    public var cacheCreationInputTokens: Int
    /// `cache_read_input_tokens`.
    public var cacheReadInputTokens: Int

    /// Zero tokens.
    public static let zero = TokenUsage()

    /// Creates a usage value.
    ///
    /// - Parameters:
    ///   - inputTokens: Uncached input tokens.
    ///   - outputTokens: Output tokens.
    ///   - cacheCreationInputTokens: Input tokens written to the cache.
    ///   - cacheReadInputTokens: Input tokens read from the cache.
    public init(inputTokens: Int = 0, outputTokens: Int = 0, cacheCreationInputTokens: Int = 0, cacheReadInputTokens: Int = 0) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cacheCreationInputTokens = cacheCreationInputTokens
        self.cacheReadInputTokens = cacheReadInputTokens
    }

    /// Reads a `usage` object; nil when `json` is not an object.
    ///
    /// - Parameter json: The `usage` value.
    public init?(json: JSONValue) {
        guard case .object(let object) = json else { return nil }
        self.init(object: object)
    }

    init(object: JSONObject) {
        self.init()
        let members = object.members
        for index in members.indices {
            switch members[index].key.utf8.count {
            case 12 where members[index].key == "input_tokens": inputTokens = members[index].value.intValue ?? 0
            case 13 where members[index].key == "output_tokens": outputTokens = members[index].value.intValue ?? 0
            case 27 where members[index].key == "cache_creation_input_tokens": cacheCreationInputTokens = members[index].value.intValue ?? 0
            case 23 where members[index].key == "cache_read_input_tokens": cacheReadInputTokens = members[index].value.intValue ?? 0
            default: break
            }
        }
    }

    /// All input tokens: uncached, cache creation and cache reads.
    public var totalInputTokens: Int { inputTokens + cacheCreationInputTokens + cacheReadInputTokens }

    /// All tokens: ``totalInputTokens`` plus ``outputTokens``.
    public var totalTokens: Int { totalInputTokens + outputTokens }

    /// Field-wise sum.
    public static func + (lhs: TokenUsage, rhs: TokenUsage) -> TokenUsage {
        TokenUsage(
            inputTokens: lhs.inputTokens &+ rhs.inputTokens,
            outputTokens: lhs.outputTokens &+ rhs.outputTokens,
            cacheCreationInputTokens: lhs.cacheCreationInputTokens &+ rhs.cacheCreationInputTokens,
            cacheReadInputTokens: lhs.cacheReadInputTokens &+ rhs.cacheReadInputTokens
        )
    }

    /// Field-wise in-place sum.
    public static func += (lhs: inout TokenUsage, rhs: TokenUsage) {
        lhs = lhs + rhs
    }
}
