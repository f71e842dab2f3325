import Foundation

/// Records one run's messages in a store as they arrive.
///
/// Messages before the session id is known are held; the `system`/`init` message names the
/// id, and then the held messages are written together: appended when the store already has
/// the session (a resume or `--continue`), copied after the parent's messages for a fork of
/// a stored session, else saved as a new session. Every later message is appended at once.
/// A stream that ends without `init` is saved under the first session id any message carried.
final class RunRecorder {
    private let store: SessionStore?
    private let options: RunOptions
    private let summary: String
    private var held: [Message] = []
    private(set) var sessionID: String?
    private var saved = false

    init(store: SessionStore?, options: RunOptions, prompt: String) {
        self.store = store
        self.options = options
        summary = options.summary ?? Session.shorten(prompt)
    }

    /// Records a message (or holds it until the session id is known). ``sessionID`` is known as
    /// soon as any message names one (before `init`, the first one seen; `init` overrides it).
    func record(_ message: Message, isolation: isolated (any Actor)? = #isolation) async throws(StoreError) {
        if sessionID == nil || (message.type == "system" && message.subtype == "init" && !saved) {
            if let id = message.sessionID { sessionID = id }
        }
        if saved, let sessionID {
            _ = try await store?.appendMessages(sessionID, [message])
            return
        }
        held.append(message)
        if message.type == "system", message.subtype == "init", let id = message.sessionID {
            try await persist(id)
        }
    }

    /// At the end of the stream: saves held messages under the first id seen, if any.
    func finish(isolation: isolated (any Actor)? = #isolation) async throws(StoreError) {
        guard !saved, let id = sessionID else { return }
        try await persist(id)
    }

    private func persist(_ id: String, isolation: isolated (any Actor)? = #isolation) async throws(StoreError) {
        sessionID = id
        let messages = held
        held = []
        saved = true
        guard let store else { return }
        do {
            _ = try await store.session(id)
            try await store.appendMessages(id, messages)
            if !options.tags.isEmpty { try await store.tagSession(id, add: options.tags) }
            return
        } catch .notFound {}
        if options.forkSession, let parentID = options.resume, parentID != id,
           let parent = try? await store.loadSession(parentID) {
            try await store.saveSession(
                id, messages: parent.messages + messages, tags: Array(Set(parent.metadata.tags).union(options.tags)),
                summary: parent.metadata.summary)
            return
        }
        try await store.saveSession(id, messages: messages, tags: options.tags, summary: summary.isEmpty ? nil : summary)
    }
}
