import AgentSessions
import Foundation

/// One parsed `sessions` command line: the global options and the subcommand to run.
///
/// Produced by ``ArgumentParser/parse(_:)`` without any I/O, so every command line can be
/// tested directly; run it with ``SessionsCLI/run(_:environment:console:)``.
package struct Invocation: Sendable, Hashable {
    /// The options that apply to every subcommand.
    package var global: GlobalOptions
    /// The subcommand and its arguments.
    package var command: Command

    /// Creates an invocation.
    /// - Parameters:
    ///   - global: the global options.
    ///   - command: the subcommand.
    package init(global: GlobalOptions = GlobalOptions(), command: Command) {
        self.global = global
        self.command = command
    }
}

/// Options accepted before or after any subcommand.
package struct GlobalOptions: Sendable, Hashable {
    /// `--store DIR`: the store directory. `nil` uses `AGENT_SESSIONS_DIR`, else the default location.
    package var store: String?
    /// `--durable` or `--buffered`; `nil` means the store's default (durable).
    package var durability: Durability?
    /// `--json`: machine-readable output (one JSON document, or JSON lines for lists).
    package var json: Bool

    /// Creates global options; the defaults are the store's defaults and human-readable output.
    /// - Parameters:
    ///   - store: the store directory, or `nil`.
    ///   - durability: the write durability, or `nil` for the default.
    ///   - json: whether to print JSON.
    package init(store: String? = nil, durability: Durability? = nil, json: Bool = false) {
        self.store = store
        self.durability = durability
        self.json = json
    }
}

/// A subcommand of `sessions`, with its arguments already validated and converted.
package enum Command: Sendable, Hashable {
    /// `list [--limit N] [--cursor C]`: sessions, most recently updated first.
    case list(limit: Int?, cursor: SessionCursor?)
    /// `search [--tag T]... [--all-tags] [--after D] [--before D] [--min-cost X] [--max-cost X] [--sort S] [--limit N] [--cursor C]`.
    case search(SearchOptions)
    /// `show ID [--messages]`: a session's metadata, or its messages as JSON lines.
    case show(id: String, messages: Bool)
    /// `delete ID...`.
    case delete(ids: [String])
    /// `tag ID [--add T]... [--remove T]...`.
    case tag(id: String, add: [String], remove: [String])
    /// `cleanup --older-than AGE [--dry-run]`.
    case cleanup(olderThan: Duration, dryRun: Bool)
    /// `stats`.
    case stats
    /// `export [ID...] -o FILE`; an empty `ids` exports every session.
    case export(ids: [String], output: String)
    /// `import FILE... [--overwrite]`: archives written by `export`.
    case importArchives(files: [String], overwrite: Bool)
    /// `inspect FILE...`: summarise stream-json or transcript files without storing them.
    case inspect(files: [String])
    /// `import-claude [DIR]`: index Claude Code's own transcripts; `nil` uses the default projects directory.
    case importClaude(directory: String?)
    /// `help [COMMAND]`, `--help`, `-h`: print usage; `nil` for the overview.
    case help(topic: String?)

    /// The subcommand's name as typed on the command line.
    package var name: String {
        switch self {
        case .list: "list"
        case .search: "search"
        case .show: "show"
        case .delete: "delete"
        case .tag: "tag"
        case .cleanup: "cleanup"
        case .stats: "stats"
        case .export: "export"
        case .importArchives: "import"
        case .inspect: "inspect"
        case .importClaude: "import-claude"
        case .help: "help"
        }
    }
}

/// The filters of `sessions search`; see `SessionQuery` for their semantics.
package struct SearchOptions: Sendable, Hashable {
    /// `--tag T` (repeatable).
    package var tags: [String] = []
    /// `--all-tags`: a session must carry every tag (default: any).
    package var allTags = false
    /// `--after D`: created at or after.
    package var after: DateBound?
    /// `--before D`: created strictly before.
    package var before: DateBound?
    /// `--min-cost X` (USD, inclusive).
    package var minCost: Double?
    /// `--max-cost X` (USD, inclusive).
    package var maxCost: Double?
    /// `--sort S` (`updated-desc` by default).
    package var sort: SessionSort = .updatedAtDescending
    /// `--limit N`.
    package var limit: Int?
    /// `--cursor C`: continue after a previous page.
    package var cursor: SessionCursor?

    /// Creates search options that match every session.
    package init() {}

    /// The store query for these options, with relative dates resolved against `now`.
    /// - Parameter now: the instant that relative dates (`7d`) count back from.
    package func query(now: Date) -> SessionQuery {
        SessionQuery(
            tags: tags, tagMatch: allTags ? .all : .any, createdAfter: after?.resolve(now: now),
            createdBefore: before?.resolve(now: now), minCost: minCost, maxCost: maxCost, sort: sort,
            limit: limit, cursor: cursor)
    }
}

/// A date given on the command line: an ISO-8601 instant, or an age counted back from "now".
package enum DateBound: Sendable, Hashable {
    /// An instant, from `2025-11-30`, `2025-11-30T21:13:21Z` or with fractional seconds/offsets.
    case absolute(Date)
    /// An age such as `7d`: the instant `now - duration`.
    case ago(Duration)

    /// The instant this bound names.
    /// - Parameter now: the reference for relative forms.
    package func resolve(now: Date) -> Date {
        switch self {
        case .absolute(let date): date
        case .ago(let duration): now.addingTimeInterval(-DurationText.seconds(duration))
        }
    }
}
