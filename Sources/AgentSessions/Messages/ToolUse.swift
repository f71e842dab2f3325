/// One `tool_use` content block of an assistant message.
public struct ToolUse: Sendable, Hashable {
    /// The block's `id` (for example `toolu_01...`), or "" when absent.
    public var id: String
    /// The tool's `name` (for example `Bash`), or "" when absent.
    public var name: String
    /// The tool's `input`, exactly as sent; `null` when absent.
    public var input: JSONValue

    /// Creates a tool use.
    ///
    /// - Parameters:
    ///   - id: The block id.
    ///   - name: The tool name.
    ///   - input: The tool input.
    public init(id: String, name: String, input: JSONValue) {
        self.id = id
        self.name = name
        self.input = input
    }
}
