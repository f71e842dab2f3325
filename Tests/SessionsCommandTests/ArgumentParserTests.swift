import AgentSessions
import Foundation
import Testing
@testable import SessionsCommand

@Suite("SessionsCommandTests: argument parser")
struct ArgumentParserTests {
    /// A command line and what it must parse to.
    struct Valid: Sendable, CustomTestStringConvertible {
        let words: [String]
        let expected: Invocation
        var testDescription: String { words.joined(separator: " ") }
        init(_ line: String, _ command: Command, _ global: GlobalOptions = GlobalOptions()) {
            words = line.split(separator: " ").map(String.init)
            expected = Invocation(global: global, command: command)
        }
        init(words: [String], _ command: Command, _ global: GlobalOptions = GlobalOptions()) {
            self.words = words
            expected = Invocation(global: global, command: command)
        }
    }

    /// A cursor in the store's printed form (`sort|key bits|id`, base64url).
    static let cursor = SessionCursor(
        Data("updated-desc|\(Double(1_700_000_000).bitPattern)|alpha".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: ""))

    static func search(_ build: (inout SearchOptions) -> Void) -> Command {
        var options = SearchOptions()
        build(&options)
        return .search(options)
    }

    static let valid: [Valid] = [
        Valid("list", .list(limit: nil, cursor: nil)),
        Valid("list --limit 5", .list(limit: 5, cursor: nil)),
        Valid("list --limit=5 --json", .list(limit: 5, cursor: nil), GlobalOptions(json: true)),
        Valid("--store /tmp/s list", .list(limit: nil, cursor: nil), GlobalOptions(store: "/tmp/s")),
        Valid("list --store /tmp/s", .list(limit: nil, cursor: nil), GlobalOptions(store: "/tmp/s")),
        Valid("list --store=/tmp/s --buffered", .list(limit: nil, cursor: nil), GlobalOptions(store: "/tmp/s", durability: .buffered)),
        Valid("--durable --json stats", .stats, GlobalOptions(durability: .durable, json: true)),
        Valid("search", search { _ in }),
        Valid("search --tag a --tag b --all-tags", search { $0.tags = ["a", "b"]; $0.allTags = true }),
        Valid("search --tag -home-me-src-app", search { $0.tags = ["-home-me-src-app"] }),
        Valid("search --after 2025-11-30 --before 2025-12-01T10:00:00Z", search {
            $0.after = .absolute(Date(timeIntervalSince1970: 1_764_460_800))
            $0.before = .absolute(Date(timeIntervalSince1970: 1_764_583_200))
        }),
        Valid("search --after 7d --before 12h", search { $0.after = .ago(.seconds(7 * 86_400)); $0.before = .ago(.seconds(12 * 3600)) }),
        Valid("search --after 2025-11-30T21:13:21.500+01:00", search { $0.after = .absolute(Date(timeIntervalSince1970: 1_764_533_601.5)) }),
        Valid("search --min-cost 0.1 --max-cost 2 --limit 3 --sort cost-desc", search {
            $0.minCost = 0.1; $0.maxCost = 2; $0.limit = 3; $0.sort = .costDescending
        }),
        Valid("show abc", .show(id: "abc", messages: false)),
        Valid("show abc --messages", .show(id: "abc", messages: true)),
        Valid("show -- --weird-id", .show(id: "--weird-id", messages: false)),
        Valid("delete a b c", .delete(ids: ["a", "b", "c"])),
        Valid("tag a --add x --add y --remove z", .tag(id: "a", add: ["x", "y"], remove: ["z"])),
        Valid("cleanup --older-than 30d", .cleanup(olderThan: .seconds(30 * 86_400), dryRun: false)),
        Valid("cleanup --dry-run --older-than 2w", .cleanup(olderThan: .seconds(14 * 86_400), dryRun: true)),
        Valid("cleanup --older-than 1.5h", .cleanup(olderThan: .seconds(5400), dryRun: false)),
        Valid("stats", .stats),
        Valid("export -o out.jsonl", .export(ids: [], output: "out.jsonl")),
        Valid("export a b --output=out.jsonl", .export(ids: ["a", "b"], output: "out.jsonl")),
        Valid("import x.jsonl y.jsonl --overwrite", .importArchives(files: ["x.jsonl", "y.jsonl"], overwrite: true)),
        Valid("inspect a.jsonl b.jsonl --json", .inspect(files: ["a.jsonl", "b.jsonl"]), GlobalOptions(json: true)),
        Valid("import-claude", .importClaude(directory: nil)),
        Valid("import-claude /data/projects", .importClaude(directory: "/data/projects")),
        Valid("help", .help(topic: nil)),
        Valid("help search", .help(topic: "search")),
        Valid("--help", .help(topic: nil)),
        Valid("-h", .help(topic: nil)),
        Valid("search --help", .help(topic: "search")),
        Valid("--store /tmp/s tag -h", .help(topic: "tag")),
        Valid("list --limit nonsense --help", .help(topic: "list")),
        Valid("search --tag --help", .help(topic: "search")),
        Valid("search --tag -h", search { $0.tags = ["-h"] }),
        Valid(words: ["tag", "a b", "--add", "with space"], .tag(id: "a b", add: ["with space"], remove: [])),
        Valid(words: ["search", "--tag=--odd"], search { $0.tags = ["--odd"] }),
    ]

    @Test("valid command lines", arguments: valid)
    func parses(_ line: Valid) throws {
        #expect(try ArgumentParser.parse(line.words) == line.expected)
    }

    @Test("a cursor printed by the store is accepted")
    func cursorRoundTrip() throws {
        let cursor = try #require(Self.cursor)
        #expect(try ArgumentParser.parse(["list", "--cursor", cursor.description]) == Invocation(command: .list(limit: nil, cursor: cursor)))
    }

    /// A command line and the usage error it must give.
    struct Invalid: Sendable, CustomTestStringConvertible {
        let words: [String]
        let expected: UsageError
        var testDescription: String { words.isEmpty ? "(nothing)" : words.joined(separator: " ") }
        init(_ line: String, _ expected: UsageError) {
            words = line.split(separator: " ").map(String.init)
            self.expected = expected
        }
    }

    static let invalid: [Invalid] = [
        Invalid("", .missingCommand),
        Invalid("--store /tmp/s", .missingCommand),
        Invalid("frobnicate", .unknownCommand("frobnicate")),
        Invalid("help frobnicate", .unknownCommand("frobnicate")),
        Invalid("--bogus list", .unknownOption("--bogus", command: nil)),
        Invalid("list --bogus", .unknownOption("--bogus", command: "list")),
        Invalid("list --messages", .unknownOption("--messages", command: "list")),
        Invalid("list -x", .unknownOption("-x", command: "list")),
        Invalid("list --limit", .missingValue(option: "--limit", command: "list")),
        Invalid("list --limit --json", .missingValue(option: "--limit", command: "list")),
        Invalid("--store", .missingValue(option: "--store", command: nil)),
        Invalid("list --store", .missingValue(option: "--store", command: "list")),
        Invalid("list --limit 0", .invalidValue(option: "--limit", value: "0", expected: "a positive whole number", command: "list")),
        Invalid("list --limit ten", .invalidValue(option: "--limit", value: "ten", expected: "a positive whole number", command: "list")),
        Invalid("list --cursor zzz", .invalidValue(option: "--cursor", value: "zzz", expected: "a cursor printed by a previous page", command: "list")),
        Invalid("list extra", .unexpectedArgument("extra", command: "list")),
        Invalid("list --json=yes", .unexpectedValue(option: "--json", command: "list")),
        Invalid("list --durable --buffered", .conflictingOptions("--durable", "--buffered", command: "list")),
        Invalid("search --tag", .missingValue(option: "--tag", command: "search")),
        Invalid("search --min-cost -1", .invalidValue(option: "--min-cost", value: "-1", expected: "a cost in USD such as 0.25", command: "search")),
        Invalid("search --max-cost cheap", .invalidValue(option: "--max-cost", value: "cheap", expected: "a cost in USD such as 0.25", command: "search")),
        Invalid("search --min-cost 2 --max-cost 1", .invalidValue(option: "--max-cost", value: "1", expected: "a cost at least --min-cost", command: "search")),
        Invalid("search --after yesterday", .invalidValue(
            option: "--after", value: "yesterday",
            expected: "an ISO-8601 date (2025-11-30, 2025-11-30T21:13:21Z) or an age (7d, 12h, 30m, 2w)", command: "search")),
        Invalid("search --before 2025-13-45", .invalidValue(
            option: "--before", value: "2025-13-45",
            expected: "an ISO-8601 date (2025-11-30, 2025-11-30T21:13:21Z) or an age (7d, 12h, 30m, 2w)", command: "search")),
        Invalid("search --sort fastest", .invalidValue(
            option: "--sort", value: "fastest",
            expected: "updated-desc, updated-asc, created-desc, created-asc, cost-desc or cost-asc", command: "search")),
        Invalid("show", .missingArgument("session ID", command: "show")),
        Invalid("show a b", .unexpectedArgument("b", command: "show")),
        Invalid("delete", .missingArgument("session ID", command: "delete")),
        Invalid("tag a", .missingArgument("--add TAG or --remove TAG", command: "tag")),
        Invalid("tag --add x", .missingArgument("session ID", command: "tag")),
        Invalid("tag a --add", .missingValue(option: "--add", command: "tag")),
        Invalid("cleanup", .missingArgument("--older-than AGE", command: "cleanup")),
        Invalid("cleanup --older-than 30", .invalidValue(option: "--older-than", value: "30", expected: "an age such as 30d, 12h or 2w", command: "cleanup")),
        Invalid("cleanup --older-than 30y", .invalidValue(option: "--older-than", value: "30y", expected: "an age such as 30d, 12h or 2w", command: "cleanup")),
        Invalid("cleanup --older-than 30d now", .unexpectedArgument("now", command: "cleanup")),
        Invalid("stats now", .unexpectedArgument("now", command: "stats")),
        Invalid("export a", .missingArgument("-o FILE", command: "export")),
        Invalid("export -o", .missingValue(option: "--output", command: "export")),
        Invalid("import", .missingArgument("archive FILE", command: "import")),
        Invalid("inspect", .missingArgument("FILE", command: "inspect")),
        Invalid("import-claude a b", .unexpectedArgument("b", command: "import-claude")),
    ]

    @Test("invalid command lines give typed usage errors", arguments: invalid)
    func rejects(_ line: Invalid) {
        #expect(throws: line.expected) { try ArgumentParser.parse(line.words) }
    }

    @Test("usage errors are one line naming the option and where to read help", arguments: invalid)
    func usageLine(_ line: Invalid) throws {
        let error = try #require(throws: UsageError.self) { try ArgumentParser.parse(line.words) }
        #expect(!error.description.contains("\n"))
        #expect(error.description.hasPrefix("usage: "))
        #expect(error.description.hasSuffix(error.command.map { "run `sessions \($0) --help`" } ?? "run `sessions --help`"))
    }

    @Test("every command has help text that names it", arguments: ArgumentParser.commandNames)
    func help(_ name: String) {
        #expect(HelpText.text(for: name).contains("Usage: sessions \(name)"))
        #expect(HelpText.overview.contains("  \(name)"))
    }

    @Test("relative and absolute dates resolve against the given now")
    func dateBounds() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        #expect(DateBound.ago(.seconds(3600)).resolve(now: now) == Date(timeIntervalSince1970: 996_400))
        #expect(DateBound.absolute(now).resolve(now: .distantFuture) == now)
        var options = SearchOptions()
        options.after = .ago(.seconds(60))
        options.tags = ["a"]
        options.allTags = true
        let query = options.query(now: now)
        #expect(query.createdAfter == Date(timeIntervalSince1970: 999_940))
        #expect(query.tagMatch == .all)
    }
}
