import Foundation
import Synchronization

/// The default store shared by the static calls, and the exit hook that closes it.
private let defaultStore = Mutex<Task<SessionStore, any Error>?>(nil)
private let openDefaultStore = Mutex<SessionStore?>(nil)

/// Closes the default store's files with a checkpoint (an `atexit` hook: no `await` is possible there).
private func closeDefaultStoreAtExit() {
    openDefaultStore.withLock { $0?.closeNow() }
}

extension SessionStore {
    /// The process-wide default store: started on first use at the default location
    /// (`AGENT_SESSIONS_DIR`, else the per-user data directory), durable, and closed cleanly
    /// (checkpointed) when the process exits normally.
    ///
    /// Concurrent first calls share one start. If the start fails, the next call tries again.
    /// - Throws: ``StoreError`` when the store cannot be opened.
    public static func shared() async throws(StoreError) -> SessionStore {
        let task = defaultStore.withLock { task in
            if let task { return task }
            let started = Task { () async throws -> SessionStore in
                let store = try await SessionStore.start(Configuration())
                openDefaultStore.withLock { $0 = store }
                atexit(closeDefaultStoreAtExit)
                return store
            }
            task = started
            return started
        }
        do { return try await task.value } catch {
            defaultStore.withLock { $0 = nil }
            throw storeError(error)
        }
    }

    /// Sessions in the default store carrying any (or all) of `tags`, most recently updated first.
    /// See ``search(tags:matchAll:limit:)`` (instance) and ``shared()``.
    public static func search(tags: [String], matchAll: Bool = false, limit: Int? = nil) async throws(StoreError) -> [SessionMetadata] {
        try await shared().search(tags: tags, matchAll: matchAll, limit: limit)
    }

    /// Runs a query on the default store. See ``search(_:)`` (instance).
    public static func search(_ query: SessionQuery) async throws(StoreError) -> SessionPage {
        try await shared().search(query)
    }

    /// Saves a session in the default store. See the instance method.
    @discardableResult
    public static func saveSession(_ id: String, messages: [Message], tags: [String] = [], summary: String? = nil) async throws(StoreError) -> SessionMetadata {
        try await shared().saveSession(id, messages: messages, tags: tags, summary: summary)
    }

    /// Loads a session from the default store. See the instance method.
    public static func loadSession(_ id: String) async throws(StoreError) -> StoredSession {
        try await shared().loadSession(id)
    }

    /// Lists the default store's sessions. See the instance method.
    public static func listSessions(limit: Int? = nil, cursor: SessionCursor? = nil) async throws(StoreError) -> SessionPage {
        try await shared().listSessions(limit: limit, cursor: cursor)
    }

    /// Deletes a session from the default store. See the instance method.
    public static func deleteSession(_ id: String) async throws(StoreError) {
        try await shared().deleteSession(id)
    }

    /// Synchronously checkpoints and closes the store's files, without stopping the tree.
    func closeNow() {
        store.instance?.table.close(clean: true)
    }
}
