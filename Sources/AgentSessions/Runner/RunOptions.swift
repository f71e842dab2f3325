/// What one agent turn should do, beyond its prompt.
public struct RunOptions: Sendable, Hashable {
    /// `--resume ID`: continue this session. Its stored messages are appended to.
    public var resume: String?
    /// `--continue`: continue the most recent conversation in the working directory.
    public var continueConversation: Bool
    /// `--fork-session`: with ``resume``, start a new session id from the resumed one. The new
    /// session is stored with the parent's stored messages followed by the new ones.
    public var forkSession: Bool
    /// `--model NAME`; `nil` uses the runner's ``ClaudeCodeRunner/Configuration/model``.
    public var model: String?
    /// More arguments, after the runner's own ``ClaudeCodeRunner/Configuration/extraArguments``.
    public var extraArguments: [String]
    /// Tags for the recorded session: set on a new session, added to an existing one.
    public var tags: [String]
    /// A summary for a new session; `nil` uses the prompt (cut to 200 characters).
    public var summary: String?

    /// Creates options; the defaults start a new session with no tags.
    /// - Parameters:
    ///   - resume: a session id to resume.
    ///   - continueConversation: continue the most recent conversation.
    ///   - forkSession: fork the resumed session into a new id.
    ///   - model: the model to use.
    ///   - extraArguments: more CLI arguments.
    ///   - tags: tags for the recorded session.
    ///   - summary: a summary for a new session.
    public init(
        resume: String? = nil, continueConversation: Bool = false, forkSession: Bool = false, model: String? = nil,
        extraArguments: [String] = [], tags: [String] = [], summary: String? = nil
    ) {
        self.resume = resume
        self.continueConversation = continueConversation
        self.forkSession = forkSession
        self.model = model
        self.extraArguments = extraArguments
        self.tags = tags
        self.summary = summary
    }
}
