import AgentSessions
import Foundation
import Testing

/// Runs the built `sessions` executable against temporary stores.
@Suite("SessionsCommandTests: the sessions executable end to end")
struct EndToEndTests {
    /// A tool with the three fixture sessions imported (alpha, beta, gamma).
    static func fixture() async throws -> SessionsTool {
        let tool = try SessionsTool()
        try tool.home.write("fixture.archive", fixtureArchive())
        let imported = try await tool("import", tool.home.path + "/fixture.archive", "--json")
        try #require(imported.status == 0, "\(imported)")
        return tool
    }

    static func ids(_ output: ProcessOutput) throws -> [String] {
        try output.jsonLines().map { try #require($0["id"]?.stringValue) }
    }

    @Test("import an archive, then again: the second run changes nothing")
    func importArchive() async throws {
        let tool = try SessionsTool()
        defer { tool.remove() }
        let archive = tool.home.path + "/fixture.archive"
        try Data(fixtureArchive().utf8).write(to: URL(fileURLWithPath: archive))
        let first = try await tool("import", archive, "--json")
        #expect(first.status == 0, "\(first)")
        #expect(try first.json()["imported"] == ["alpha", "beta", "gamma"])
        let second = try await tool("import", archive, "--json")
        #expect(try second.json()["unchanged"] == ["alpha", "beta", "gamma"])
        #expect(try second.json()["imported"] == [])
        let human = try await tool("import", archive)
        #expect(human.stdout == "\(archive): 0 imported, 3 unchanged, 0 conflicts\n")
        // A stored session that differs from the archive is a conflict (exit 3) unless --overwrite.
        #expect(try await tool("tag", "beta", "--add", "local").status == 0)
        let conflict = try await tool("import", archive, "--json")
        #expect(conflict.status == 3)
        #expect(try conflict.json()["conflicts"] == ["beta"])
        #expect(conflict.stderr.contains("rerun with --overwrite"))
        let overwritten = try await tool("import", archive, "--overwrite", "--json")
        #expect(overwritten.status == 0)
        #expect(try overwritten.json()["imported"] == ["beta"])
        #expect(try await tool("show", "beta", "--json").json()["tags"] == ["red"])
        let missing = try await tool("import", tool.home.path + "/nope.archive")
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no such file"))
        try Data("not an archive\n".utf8).write(to: URL(fileURLWithPath: archive))
        let invalid = try await tool("import", archive)
        #expect(invalid.status == 3)
        #expect(invalid.stderr.hasPrefix("sessions: invalid_archive:"))
    }

    @Test("list: newest first, JSON lines with stable keys, paging with a cursor")
    func list() async throws {
        let tool = try await Self.fixture()
        defer { tool.remove() }
        let all = try await tool("list", "--json")
        #expect(all.status == 0, "\(all)")
        #expect(try Self.ids(all) == ["gamma", "beta", "alpha"])
        let alpha = try #require(try all.jsonLines().last?.objectValue)
        #expect(alpha.keys == ["id", "created_at", "updated_at", "message_count", "total_cost_usd", "turn_count", "tags",
                               "summary", "model", "byte_size"])
        #expect(alpha["created_at"] == "2025-01-01T00:00:00.000Z")
        #expect(alpha["tags"] == ["blue", "red"])
        #expect(alpha["total_cost_usd"] == 0.5)
        #expect(alpha["message_count"] == 6)
        #expect(alpha["model"] == "claude-test-1")

        let page = try await tool("list", "--json", "--limit", "2")
        #expect(try Self.ids(page) == ["gamma", "beta"])
        let cursorLine = try #require(page.stderr.split(separator: "\n").first { $0.contains("next-cursor: ") })
        let cursor = String(cursorLine.split(separator: " ")[2])
        let next = try await tool("list", "--json", "--limit", "2", "--cursor", cursor)
        #expect(try Self.ids(next) == ["alpha"])
        #expect(!next.stderr.contains("next-cursor"))

        let human = try await tool("list")
        #expect(human.lines.first?.hasPrefix("ID") == true)
        #expect(human.lines.count == 4)
        #expect(human.stdout.contains("blue,red"))
    }

    /// A search and the ids it must return (empty: exit 1).
    struct SearchCase: Sendable, CustomTestStringConvertible {
        let arguments: [String]
        let ids: [String]
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let searches: [SearchCase] = [
        SearchCase(arguments: ["--tag", "red"], ids: ["beta", "alpha"]),
        SearchCase(arguments: ["--tag", "red", "--tag", "green"], ids: ["gamma", "beta", "alpha"]),
        SearchCase(arguments: ["--tag", "red", "--tag", "blue", "--all-tags"], ids: ["alpha"]),
        SearchCase(arguments: ["--after", "2025-03-01"], ids: ["gamma", "beta"]),
        SearchCase(arguments: ["--before", "2025-03-01T00:00:00Z"], ids: ["alpha"]),
        SearchCase(arguments: ["--after", "7d"], ids: ["gamma"]),
        SearchCase(arguments: ["--before", "7d"], ids: ["beta", "alpha"]),
        SearchCase(arguments: ["--min-cost", "0.5", "--max-cost", "1.5"], ids: ["beta", "alpha"]),
        SearchCase(arguments: ["--max-cost", "0.05"], ids: ["gamma"]),
        SearchCase(arguments: ["--sort", "cost-desc", "--limit", "2"], ids: ["beta", "alpha"]),
        SearchCase(arguments: ["--tag", "nope"], ids: []),
    ]

    @Test("search: filters combine; no match exits 1", arguments: searches)
    func search(_ search: SearchCase) async throws {
        let tool = try await Self.fixture()
        defer { tool.remove() }
        let output = try await tool.run(["--store", tool.store.path, "search", "--json"] + search.arguments)
        #expect(output.status == (search.ids.isEmpty ? 1 : 0), "\(output)")
        #expect(try Self.ids(output) == search.ids)
    }

    @Test("show: metadata, messages as JSON lines exactly as stored, not found exits 1")
    func show() async throws {
        let tool = try await Self.fixture()
        defer { tool.remove() }
        let json = try await tool("show", "beta", "--json")
        #expect(json.status == 0)
        #expect(try json.json()["id"] == "beta")
        #expect(try json.json()["summary"] == "Task beta")
        let messages = try await tool("show", "beta", "--messages")
        #expect(messages.lines == streamJSON("beta", cost: 1.5, prompt: "Task beta"))
        let human = try await tool("show", "beta")
        #expect(human.stdout.contains("id:        beta\n"))
        let missing = try await tool("show", "nope")
        #expect(missing.status == 1)
        #expect(missing.stdout.isEmpty)
        #expect(missing.stderr == "sessions: not_found: no session \"nope\" in the store; list ids with `sessions list`\n")
    }

    @Test("tag, delete, stats")
    func tagDeleteStats() async throws {
        let tool = try await Self.fixture()
        defer { tool.remove() }
        let tagged = try await tool("tag", "alpha", "--add", "x", "--remove", "blue", "--json")
        #expect(tagged.status == 0, "\(tagged)")
        #expect(try tagged.json()["tags"] == ["red", "x"])
        #expect(try await tool("tag", "nope", "--add", "x").status == 1)
        let badTag = try await tool("tag", "alpha", "--add", " padded")
        #expect(badTag.status == 3)
        #expect(badTag.stderr.hasPrefix("sessions: invalid_tag:"))

        let stats = try await tool("stats", "--json")
        let object = try stats.json()
        #expect(object["sessions"] == 3)
        #expect(object["messages"] == 18)
        #expect(object["total_cost_usd"]?.doubleValue.map { abs($0 - 2.05) < 1e-9 } == true)
        #expect(object["tags"]?["red"] == 2)
        #expect(object["durability"] == "durable")

        let deleted = try await tool("delete", "beta", "nope", "--json")
        #expect(deleted.status == 1)
        #expect(try deleted.jsonLines() == [["id": "beta", "deleted": true], ["id": "nope", "deleted": false, "error": "not_found"]])
        #expect(deleted.stderr.contains("not_found"))
        #expect(try Self.ids(try await tool("list", "--json")) == ["gamma", "alpha"])
    }

    @Test("cleanup: a dry run deletes nothing; a real run deletes only older sessions")
    func cleanup() async throws {
        let tool = try await Self.fixture()
        defer { tool.remove() }
        let dry = try await tool("cleanup", "--older-than", "30d", "--dry-run", "--json")
        #expect(dry.status == 0, "\(dry)")
        #expect(try dry.json()["dry_run"] == true)
        #expect(try dry.json()["sessions"] == ["alpha", "beta"])
        #expect(try Self.ids(try await tool("list", "--json")).count == 3)
        let real = try await tool("cleanup", "--older-than", "30d")
        #expect(real.stdout.hasPrefix("deleted 2 sessions not updated since "))
        #expect(try Self.ids(try await tool("list", "--json")) == ["gamma"])
    }

    @Test("export then import into another store reproduces the sessions")
    func exportImport() async throws {
        let tool = try await Self.fixture()
        defer { tool.remove() }
        let file = tool.home.path + "/out.archive"
        let exported = try await tool("export", "-o", file, "--json")
        #expect(exported.status == 0, "\(exported)")
        #expect(try exported.json() == ["file": .string(file), "exported": 3])
        let some = try await tool("export", "alpha", "nope", "-o", tool.home.path + "/some.archive")
        #expect(some.status == 1)
        let other = ScratchDirectory("other")
        defer { other.remove() }
        let imported = try await tool.run(["import", file, "--store", other.path, "--json"])
        #expect(try imported.json()["imported"] == ["alpha", "beta", "gamma"])
        let before = try await tool("list", "--json")
        let after = try await tool.run(["list", "--json", "--store", other.path])
        #expect(before.stdout == after.stdout)
    }

    @Test("dates keep their milliseconds in the CLI's output and in an archive export")
    func archiveMilliseconds() async throws {
        let tool = try SessionsTool()
        defer { tool.remove() }
        let stamp = "2026-11-20T14:18:39.527Z"
        try tool.home.write("ms.archive", """
            {"format":"agent-sessions-archive","version":1,"sessions":1}
            {"id":"ms","created_at":"\(stamp)","updated_at":"\(stamp)","tags":[],"messages":[{"type":"system","subtype":"init","session_id":"ms"}]}

            """)
        #expect(try await tool("import", tool.home.path + "/ms.archive").status == 0)
        let shown = try await tool("show", "ms", "--json")
        #expect(try shown.json()["created_at"] == .string(stamp), "the CLI prints the stored instant to the millisecond")
        let exported = tool.home.path + "/out.archive"
        #expect(try await tool("export", "-o", exported).status == 0)
        let archive = try String(contentsOfFile: exported, encoding: .utf8)
        #expect(archive.contains(stamp))  // ISO8601.string rounds to the millisecond (it used to truncate)
    }

    @Test("global options work before and after the command; AGENT_SESSIONS_DIR is the fallback")
    func globalOptions() async throws {
        let tool = try await Self.fixture()
        defer { tool.remove() }
        let before = try await tool.run(["--store", tool.store.path, "--buffered", "list", "--json"])
        let after = try await tool.run(["list", "--json", "--store", tool.store.path, "--buffered"])
        let environment = try await tool.run(["list", "--json"], environment: ["AGENT_SESSIONS_DIR": tool.store.path])
        #expect(before.status == 0)
        #expect(try Self.ids(before) == ["gamma", "beta", "alpha"])
        #expect(after.stdout == before.stdout)
        #expect(environment.stdout == before.stdout)
        let stats = try await tool.run(["stats", "--json", "--buffered"], environment: ["AGENT_SESSIONS_DIR": tool.store.path])
        #expect(try stats.json()["location"] == .string(tool.store.path))
        #expect(try stats.json()["durability"] == "buffered")
        // Without --store or AGENT_SESSIONS_DIR: the default location under HOME.
        let defaultStats = try await tool.run(["stats", "--json"])
        #expect(try defaultStats.json()["location"] == .string(tool.home.path + "/.local/share/agent-sessions"))
    }

    @Test("usage errors exit 2 with one line on stderr; help exits 0")
    func usage() async throws {
        let tool = try SessionsTool()
        defer { tool.remove() }
        for arguments in [["list", "--limit"], ["frobnicate"], [], ["search", "--after", "soon"]] {
            let output = try await tool.run(arguments)
            #expect(output.status == 2, "\(arguments)")
            #expect(output.stdout.isEmpty)
            #expect(output.stderr.hasPrefix("sessions: usage: "))
            #expect(output.stderr.filter { $0 == "\n" }.count == 1)
        }
        for arguments in [["--help"], ["help", "cleanup"], ["cleanup", "--help"]] {
            let output = try await tool.run(arguments)
            #expect(output.status == 0)
            #expect(output.stdout.contains("Usage: sessions"))
        }
        #expect(!FileManager.default.fileExists(atPath: tool.home.path + "/.local"), "no store is opened for usage or help")
    }

    @Test("a store that cannot be opened exits 3 with the path")
    func storeError() async throws {
        let tool = try SessionsTool()
        defer { tool.remove() }
        let file = tool.home.path + "/a-file"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let output = try await tool.run(["--store", file + "/store", "list"])
        #expect(output.status == 3, "\(output)")
        #expect(output.stderr.hasPrefix("sessions: cannot open the store at \(file)/store: "))
        #expect(output.stderr.filter { $0 == "\n" }.count == 1)
    }

    @Test("inspect: the Session facts per file, with bad lines and their numbers")
    func inspect() async throws {
        let tool = try SessionsTool()
        defer { tool.remove() }
        var lines = streamJSON("s-1", cost: 0.75)
        lines.insert("this is not json", at: 3)
        lines.insert("[1,2]", at: 5)
        try tool.home.write("run.jsonl", lines.joined(separator: "\n"))  // no final newline
        try tool.home.write("partial.jsonl", streamJSON("s-2", cost: 0).dropLast().joined(separator: "\n") + "\n")
        let output = try await tool.run(["inspect", "--json", tool.home.path + "/run.jsonl", tool.home.path + "/partial.jsonl"])
        #expect(output.status == 0, "\(output)")
        let objects = try output.jsonLines()
        try #require(objects.count == 2)
        let run = try #require(objects[0].objectValue)
        #expect(run.keys.prefix(10) == ["file", "session_id", "total_cost_usd", "assistant_messages", "api_messages",
                                        "reported_turns", "model", "outcome", "message_count", "bad_lines"])
        #expect(run["session_id"] == "s-1")
        #expect(run["total_cost_usd"] == 0.75)
        #expect(run["assistant_messages"] == 3)
        #expect(run["api_messages"] == 2)
        #expect(run["reported_turns"] == 2)
        #expect(run["model"] == "claude-test-1")
        #expect(run["outcome"] == "success")
        #expect(run["message_count"] == 6)
        #expect(run["bad_lines"]?.arrayValue?.compactMap { $0["line"]?.intValue } == [4, 6])
        let partial = try #require(objects[1].objectValue)
        #expect(partial["outcome"] == "incomplete")
        #expect(partial["reported_turns"] == .null)
        #expect(partial["bad_lines"] == [])

        let human = try await tool.run(["inspect", tool.home.path + "/run.jsonl"])
        #expect(human.stdout.contains("API messages:        2"))
        #expect(human.stdout.contains("line 4: "))
        let missing = try await tool.run(["inspect", tool.home.path + "/nope.jsonl", tool.home.path + "/run.jsonl"])
        #expect(missing.status == 1)
        #expect(missing.stdout.contains("s-1"))
        #expect(!FileManager.default.fileExists(atPath: tool.home.path + "/.local"), "inspect does not open a store")
    }

    /// Writes a Claude Code projects directory with three transcripts in two projects.
    static func writeProjects(_ root: String) throws {
        func transcript(_ id: String?, cwd: String, prompt: String, minute: Int) -> [String] {
            let session = id.map { #""sessionId":"\#($0)","# } ?? ""
            return [
                #"{"type":"summary","summary":"Earlier work","leafUuid":"u0"}"#,
                #"{"parentUuid":null,"isSidechain":false,"cwd":"\#(cwd)",\#(session)"version":"2.0.1","type":"user","message":{"role":"user","content":"\#(prompt)"},"uuid":"u1","timestamp":"2025-11-30T21:\#(minute):00.000Z"}"#,
                #"{"parentUuid":"u1","cwd":"\#(cwd)",\#(session)"type":"assistant","message":{"id":"msg_1","model":"claude-opus-4","role":"assistant","content":[{"type":"text","text":"On it"}],"usage":{"input_tokens":3,"output_tokens":5}},"uuid":"u2","timestamp":"2025-11-30T21:\#(minute):05.250Z"}"#,
            ]
        }
        let projectA = root + "/-home-me-src-app", projectB = root + "/-home-me-src-my-tool"
        for dir in [projectA, projectB] { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        try transcript("11111111-aaaa", cwd: "/home/me/src/app", prompt: "Add a flag", minute: 10).joined(separator: "\n")
            .write(toFile: projectA + "/11111111-aaaa.jsonl", atomically: true, encoding: .utf8)
        var withBadLine = transcript("22222222-bbbb", cwd: "/home/me/src/app", prompt: "Fix CI", minute: 20)
        withBadLine.insert("{\"truncated\": ", at: 2)
        try (withBadLine.joined(separator: "\n") + "\n").write(toFile: projectA + "/22222222-bbbb.jsonl", atomically: true, encoding: .utf8)
        try transcript(nil, cwd: "/home/me/src/my-tool", prompt: "Write docs", minute: 30).joined(separator: "\n")
            .write(toFile: projectB + "/33333333-cccc.jsonl", atomically: true, encoding: .utf8)
        try "not a transcript".write(toFile: projectB + "/notes.txt", atomically: true, encoding: .utf8)
    }

    @Test("import-claude indexes transcripts with project tags, and a second run changes nothing")
    func importClaude() async throws {
        let tool = try SessionsTool()
        defer { tool.remove() }
        let config = tool.home.path + "/claude-config"
        try Self.writeProjects(config + "/projects")
        let environment = ["CLAUDE_CONFIG_DIR": config]

        let first = try await tool.run(["--store", tool.store.path, "import-claude", "--json"], environment: environment)
        #expect(first.status == 0, "\(first)")
        let statuses = try first.jsonLines().map { [$0["session_id"]?.stringValue ?? "-", $0["status"]?.stringValue ?? "-"] }
        #expect(statuses == [["11111111-aaaa", "imported"], ["22222222-bbbb", "imported"], ["33333333-cccc", "imported"]])
        #expect(try first.jsonLines()[1]["bad_lines"] == 1)
        let listed = try await tool("list", "--json")
        let sessions = try listed.jsonLines()
        #expect(try Self.ids(listed) == ["33333333-cccc", "22222222-bbbb", "11111111-aaaa"])
        #expect(sessions[0]["tags"] == ["-home-me-src-my-tool", "project:my-tool"])
        #expect(sessions[2]["tags"] == ["-home-me-src-app", "project:app"])
        #expect(sessions[2]["created_at"] == "2025-11-30T21:10:00.000Z")
        #expect(sessions[2]["updated_at"] == "2025-11-30T21:10:05.250Z")
        #expect(sessions[2]["summary"] == "Add a flag")

        // Twice: nothing changes, not even updated_at.
        let second = try await tool.run(["--store", tool.store.path, "import-claude", "--json"], environment: environment)
        #expect(try second.jsonLines().map { $0["status"] } == ["unchanged", "unchanged", "unchanged"])
        #expect(try await tool("list", "--json").stdout == listed.stdout)
        let human = try await tool.run(["--store", tool.store.path, "import-claude"], environment: environment)
        #expect(human.stdout.hasSuffix("3 transcripts in \(config)/projects: 0 imported, 0 updated, 3 unchanged, 0 failed\n"))

        // A transcript that grew is saved again, keeping tags added by hand.
        #expect(try await tool("tag", "11111111-aaaa", "--add", "keep-me").status == 0)
        let file = config + "/projects/-home-me-src-app/11111111-aaaa.jsonl"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("\n{\"type\":\"user\",\"sessionId\":\"11111111-aaaa\",\"message\":{\"role\":\"user\",\"content\":\"more\"},\"timestamp\":\"2025-12-01T08:00:00Z\"}\n".utf8))
        try handle.close()
        let third = try await tool.run(["--store", tool.store.path, "import-claude", "--json"], environment: environment)
        #expect(try third.jsonLines().map { $0["status"] } == ["updated", "unchanged", "unchanged"])
        let updated = try await tool("show", "11111111-aaaa", "--json")
        #expect(try updated.json()["message_count"] == 4)
        #expect(try updated.json()["tags"] == ["-home-me-src-app", "keep-me", "project:app"])
        #expect(try updated.json()["updated_at"] == "2025-12-01T08:00:00.000Z")
    }

    @Test("import-claude defaults to ~/.claude/projects and reports a missing directory")
    func importClaudeDefault() async throws {
        let tool = try SessionsTool()
        defer { tool.remove() }
        let missing = try await tool("import-claude")
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("\(tool.home.path)/.claude/projects: no such directory"))
        try Self.writeProjects(tool.home.path + "/.claude/projects")
        let output = try await tool("import-claude", "--json")
        #expect(output.status == 0)
        #expect(try output.jsonLines().count == 3)
        let explicit = try await tool("import-claude", tool.home.path + "/.claude/projects", "--json")
        #expect(try explicit.jsonLines().map { $0["status"] } == ["unchanged", "unchanged", "unchanged"])
    }
}
