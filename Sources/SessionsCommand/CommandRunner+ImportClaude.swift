import AgentSessions
import Foundation

extension CommandRunner {
    /// The projects directory Claude Code keeps transcripts in: `$CLAUDE_CONFIG_DIR/projects`
    /// when `CLAUDE_CONFIG_DIR` is set, else `$HOME/.claude/projects`.
    static func claudeProjectsDirectory(environment: [String: String]) -> String {
        if let config = environment["CLAUDE_CONFIG_DIR"], !config.isEmpty { return config + "/projects" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.claude/projects"
    }

    /// One transcript found under the projects directory.
    struct Transcript {
        var path: String
        var stem: String
        var project: String
    }

    /// Every `PROJECT/*.jsonl` under `root` (and `root/*.jsonl`, as a project named after
    /// `root`), sorted by path so runs are repeatable.
    static func transcripts(in root: String) throws -> [Transcript] {
        let fm = FileManager.default
        var found: [Transcript] = []
        func add(directory: String, project: String) throws {
            for name in try fm.contentsOfDirectory(atPath: directory).sorted() where name.hasSuffix(".jsonl") {
                let path = directory + "/" + name
                var isDirectory: ObjCBool = false
                guard fm.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
                found.append(Transcript(path: path, stem: String(name.dropLast(".jsonl".count)), project: project))
            }
        }
        let rootName = URL(fileURLWithPath: root).standardizedFileURL.lastPathComponent
        try add(directory: root, project: rootName)
        for name in try fm.contentsOfDirectory(atPath: root).sorted() {
            let path = root + "/" + name
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            try add(directory: path, project: name)
        }
        return found
    }

    /// The session id of a transcript: its file name stem when some line's `sessionId` is that
    /// stem (the usual case, and robust against lines copied from a resumed session), else the
    /// first `sessionId`/`session_id` in the file, else the stem.
    static func sessionID(of messages: [Message], stem: String) -> String {
        if messages.contains(where: { $0.sessionID == stem }) { return stem }
        return Session.extractSessionID(messages) ?? stem
    }

    /// The two project tags: the directory name as is (its last 100 characters when longer)
    /// and `project:NAME`, NAME being the last component of the first `cwd` in the transcript,
    /// else the last `-`-separated part of the directory name.
    static func projectTags(project: String, messages: [Message]) -> [String] {
        var tags: [String] = []
        let raw = String(project.suffix(100)).trimmingCharacters(in: .whitespaces)
        if !raw.isEmpty { tags.append(raw) }
        let cwd = messages.lazy.compactMap { $0.json["cwd"]?.stringValue }.first { !$0.isEmpty }
        let name = cwd.map { URL(fileURLWithPath: $0).lastPathComponent }
            ?? project.split(separator: "-").last.map(String.init) ?? ""
        let readable = String(("project:" + name).prefix(100)).trimmingCharacters(in: .whitespaces)
        if !name.isEmpty && name != "/" { tags.append(readable) }
        return tags
    }

    /// `import-claude [DIR]`: saves each transcript as a session, idempotently.
    func importClaude(_ directory: String?, store: SessionStore) async -> ExitCode {
        let root = directory ?? Self.claudeProjectsDirectory(environment: environment)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            console.error("\(root): no such directory; pass the projects directory (e.g. ~/.claude/projects) or set CLAUDE_CONFIG_DIR")
            return .notFound
        }
        let transcripts: [Transcript]
        do { transcripts = try Self.transcripts(in: root) } catch {
            console.error("\(root): cannot list the directory: \(error.localizedDescription)")
            return .storeError
        }
        var counts: [String: Int] = [:]
        var code = ExitCode.success
        for transcript in transcripts {
            let (status, id, messageCount, badLines) = await importTranscript(transcript, store: store)
            counts[status, default: 0] += 1
            if status == "failed" { code = code.worse(.storeError) }
            if json {
                emit(.object([
                    "file": .string(transcript.path), "session_id": id.map { .string($0) } ?? .null,
                    "project": .string(transcript.project), "status": .string(status),
                    "message_count": .int(Int64(messageCount)), "bad_lines": .int(Int64(badLines)),
                ]))
            } else if status != "unchanged" {
                console.line("\(status) \(id ?? "-") (\(transcript.project), \(messageCount) messages\(badLines > 0 ? ", \(badLines) bad lines skipped" : ""))")
            }
        }
        if !json {
            let summary = ["imported", "updated", "unchanged", "failed"].map { "\(counts[$0, default: 0]) \($0)" }.joined(separator: ", ")
            console.line("\(transcripts.count) transcripts in \(root): \(summary)")
        }
        return code
    }

    /// Imports one transcript; returns its status (`imported`, `updated`, `unchanged`, `failed`),
    /// session id, message count and number of bad lines.
    private func importTranscript(_ transcript: Transcript, store: SessionStore) async -> (String, String?, Int, Int) {
        let result: MessageReadResult
        do { result = try MessageReader.read(contentsOf: URL(fileURLWithPath: transcript.path), mode: .lenient) } catch {
            console.error("\(transcript.path): \(error.description)")
            return ("failed", nil, 0, 0)
        }
        let messages = result.messages
        guard !messages.isEmpty else {
            console.error("\(transcript.path): no messages (\(result.badLines.count) bad lines); skipped")
            return ("failed", nil, 0, result.badLines.count)
        }
        let id = Self.sessionID(of: messages, stem: transcript.stem)
        let tags = Self.projectTags(project: transcript.project, messages: messages)
        let facts = Session.summarize(messages)
        let modified = (try? FileManager.default.attributesOfItem(atPath: transcript.path)[.modificationDate] as? Date) ?? Date()
        do {
            var existing: StoredSession?
            do { existing = try await store.loadSession(id) } catch .notFound { existing = nil }
            if let existing {
                if existing.messages == messages {
                    let missing = tags.filter { !existing.metadata.tags.contains($0) }
                    if missing.isEmpty { return ("unchanged", id, messages.count, result.badLines.count) }
                    try await store.tagSession(id, add: missing)
                    return ("updated", id, messages.count, result.badLines.count)
                }
                try await store.saveSession(
                    id, messages: messages, tags: Array(Set(existing.metadata.tags).union(tags)),
                    createdAt: facts.firstTimestamp ?? modified, updatedAt: facts.lastTimestamp ?? modified)
                return ("updated", id, messages.count, result.badLines.count)
            }
            try await store.saveSession(
                id, messages: messages, tags: tags, createdAt: facts.firstTimestamp ?? modified,
                updatedAt: facts.lastTimestamp ?? modified)
            return ("imported", id, messages.count, result.badLines.count)
        } catch {
            console.error("\(transcript.path): \(error.description)")
            return ("failed", id, messages.count, result.badLines.count)
        }
    }
}
