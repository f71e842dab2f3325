import AgentSessions
import Foundation

/// The `sessions` command-line parser: a pure function from arguments to an ``Invocation``
/// or a ``UsageError``. It does no I/O and reads no environment.
///
/// Rules:
/// - The first word that is not an option is the subcommand. Global options (`--store DIR`,
///   `--durable`, `--buffered`, `--json`) are accepted before or after it.
/// - Options that take a value accept `--name VALUE` and `--name=VALUE`. The word after
///   `--name` is its value unless it starts with `--` (then the value is missing; write
///   `--name=--value` to pass such a value). Single-dash words such as the project tag
///   `-home-me-src-app` are values.
/// - `--` ends the options: every later word is positional.
/// - `--help` or `-h` anywhere before `--` (except as an option's value, as in `--tag -h`)
///   asks for the subcommand's help and wins over any other problem on the line; so does
///   `sessions help [COMMAND]`.
package enum ArgumentParser {
    /// One option a subcommand accepts.
    struct Option {
        let names: [String]
        let takesValue: Bool
        var primary: String { names[0] }
    }

    static let globalOptions: [Option] = [
        Option(names: ["--store"], takesValue: true), Option(names: ["--durable"], takesValue: false),
        Option(names: ["--buffered"], takesValue: false), Option(names: ["--json"], takesValue: false),
    ]

    /// The options of each subcommand (besides the global ones).
    static let commandOptions: [String: [Option]] = [
        "list": [Option(names: ["--limit"], takesValue: true), Option(names: ["--cursor"], takesValue: true)],
        "search": [
            Option(names: ["--tag"], takesValue: true), Option(names: ["--all-tags"], takesValue: false),
            Option(names: ["--after"], takesValue: true), Option(names: ["--before"], takesValue: true),
            Option(names: ["--min-cost"], takesValue: true), Option(names: ["--max-cost"], takesValue: true),
            Option(names: ["--sort"], takesValue: true), Option(names: ["--limit"], takesValue: true),
            Option(names: ["--cursor"], takesValue: true),
        ],
        "show": [Option(names: ["--messages"], takesValue: false)],
        "delete": [],
        "tag": [Option(names: ["--add"], takesValue: true), Option(names: ["--remove"], takesValue: true)],
        "cleanup": [Option(names: ["--older-than"], takesValue: true), Option(names: ["--dry-run"], takesValue: false)],
        "stats": [],
        "export": [Option(names: ["--output", "-o"], takesValue: true)],
        "import": [Option(names: ["--overwrite"], takesValue: false)],
        "inspect": [],
        "import-claude": [],
        "help": [],
    ]

    /// The subcommands, in the order `sessions --help` lists them.
    package static let commandNames = [
        "list", "search", "show", "delete", "tag", "cleanup", "stats", "export", "import", "inspect", "import-claude", "help",
    ]

    /// Words and options collected by the first pass.
    struct Scan {
        var command: String?
        var positionals: [String] = []
        var values: [String: [String]] = [:]
        var flags: Set<String> = []

        func last(_ name: String) -> String? { values[name]?.last }
        func has(_ name: String) -> Bool { flags.contains(name) }
    }

    /// Parses the arguments after the program name.
    /// - Parameter arguments: e.g. `["--store", "/tmp/s", "list", "--limit", "5"]`.
    /// - Returns: the invocation to run.
    /// - Throws: ``UsageError`` describing the first problem found.
    package static func parse(_ arguments: [String]) throws(UsageError) -> Invocation {
        if let help = helpRequest(arguments) {
            if let topic = help, commandOptions[topic] == nil { throw .unknownCommand(topic) }
            return Invocation(command: .help(topic: help == "help" ? nil : help))
        }
        let scan = try scanWords(arguments)
        var global = GlobalOptions(store: scan.last("--store"), json: scan.has("--json"))
        if let store = global.store, store.isEmpty {
            throw .invalidValue(option: "--store", value: store, expected: "a directory", command: scan.command)
        }
        if scan.has("--durable") && scan.has("--buffered") {
            throw .conflictingOptions("--durable", "--buffered", command: scan.command)
        }
        global.durability = scan.has("--durable") ? .durable : scan.has("--buffered") ? .buffered : nil
        guard let name = scan.command else { throw .missingCommand }
        return Invocation(global: global, command: try build(name, scan))
    }

    /// `nil` when the line does not ask for help; otherwise the topic, where `.some(nil)`
    /// means the overview.
    static func helpRequest(_ arguments: [String]) -> String?? {
        var command: String?
        var wantsHelp = false
        var skipValue = false
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            index += 1
            if skipValue { skipValue = false; continue }
            if word == "--" { break }
            if word == "--help" || word == "-h" { wantsHelp = true; continue }
            if word.hasPrefix("-") && word.count > 1 {
                let name = word.split(separator: "=", maxSplits: 1).first.map(String.init) ?? word
                let options = globalOptions + (command.flatMap { commandOptions[$0] } ?? [])
                // Skip the option's value, by the same rule as `scanWords` (a `--word` is never a value).
                if !word.contains("="), options.first(where: { $0.names.contains(name) })?.takesValue == true,
                   index < arguments.count, !arguments[index].hasPrefix("--") {
                    skipValue = true
                }
                continue
            }
            if command == nil {
                command = word
                if word == "help" {
                    // `sessions help [TOPIC]`: the topic is the next non-option word.
                    let topic = arguments[index...].first { !$0.hasPrefix("-") }
                    return .some(topic)
                }
            }
        }
        guard wantsHelp else { return nil }
        return .some(command)
    }

    /// The first pass: finds the subcommand, sorts the rest into options and positionals.
    static func scanWords(_ arguments: [String]) throws(UsageError) -> Scan {
        var scan = Scan()
        var index = 0
        var optionsEnded = false
        while index < arguments.count {
            let word = arguments[index]
            index += 1
            if !optionsEnded && word == "--" { optionsEnded = true; continue }
            if optionsEnded || !word.hasPrefix("-") || word == "-" {
                if scan.command == nil {
                    guard commandOptions[word] != nil else { throw .unknownCommand(word) }
                    scan.command = word
                } else {
                    scan.positionals.append(word)
                }
                continue
            }
            let parts = word.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            let inline = parts.count == 2 && name.hasPrefix("--") ? String(parts[1]) : nil
            let lookup = inline == nil ? word : name
            let accepted = globalOptions + (scan.command.flatMap { commandOptions[$0] } ?? [])
            guard let option = accepted.first(where: { $0.names.contains(lookup) }) else {
                throw .unknownOption(lookup, command: scan.command)
            }
            if option.takesValue {
                let value: String
                if let inline {
                    value = inline
                } else {
                    guard index < arguments.count, !arguments[index].hasPrefix("--") else {
                        throw .missingValue(option: option.primary, command: scan.command)
                    }
                    value = arguments[index]
                    index += 1
                }
                scan.values[option.primary, default: []].append(value)
            } else {
                if inline != nil { throw .unexpectedValue(option: option.primary, command: scan.command) }
                scan.flags.insert(option.primary)
            }
        }
        return scan
    }

    /// The second pass: checks arity and converts values for one subcommand.
    static func build(_ name: String, _ scan: Scan) throws(UsageError) -> Command {
        let positionals = scan.positionals
        func noPositionals() throws(UsageError) {
            if let extra = positionals.first { throw .unexpectedArgument(extra, command: name) }
        }
        func exactlyOne(_ what: String) throws(UsageError) -> String {
            guard let first = positionals.first else { throw .missingArgument(what, command: name) }
            if positionals.count > 1 { throw .unexpectedArgument(positionals[1], command: name) }
            return first
        }
        func atLeastOne(_ what: String) throws(UsageError) -> [String] {
            guard !positionals.isEmpty else { throw .missingArgument(what, command: name) }
            return positionals
        }
        func limit() throws(UsageError) -> Int? {
            guard let text = scan.last("--limit") else { return nil }
            guard let value = Int(text), value > 0 else {
                throw .invalidValue(option: "--limit", value: text, expected: "a positive whole number", command: name)
            }
            return value
        }
        func cursor() throws(UsageError) -> SessionCursor? {
            guard let text = scan.last("--cursor") else { return nil }
            guard let cursor = SessionCursor(text) else {
                throw .invalidValue(option: "--cursor", value: text, expected: "a cursor printed by a previous page", command: name)
            }
            return cursor
        }
        func cost(_ option: String) throws(UsageError) -> Double? {
            guard let text = scan.last(option) else { return nil }
            guard let value = Double(text), value.isFinite, value >= 0 else {
                throw .invalidValue(option: option, value: text, expected: "a cost in USD such as 0.25", command: name)
            }
            return value
        }
        func date(_ option: String) throws(UsageError) -> DateBound? {
            guard let text = scan.last(option) else { return nil }
            guard let bound = DurationText.parseDateBound(text) else {
                throw .invalidValue(option: option, value: text,
                                    expected: "an ISO-8601 date (2025-11-30, 2025-11-30T21:13:21Z) or an age (7d, 12h, 30m, 2w)", command: name)
            }
            return bound
        }
        func nonEmpty(_ values: [String], _ option: String) throws(UsageError) -> [String] {
            if let empty = values.first(where: \.isEmpty) {
                throw .invalidValue(option: option, value: empty, expected: "a non-empty value", command: name)
            }
            return values
        }

        switch name {
        case "list":
            try noPositionals()
            return .list(limit: try limit(), cursor: try cursor())
        case "search":
            try noPositionals()
            var options = SearchOptions()
            options.tags = try nonEmpty(scan.values["--tag"] ?? [], "--tag")
            options.allTags = scan.has("--all-tags")
            options.after = try date("--after")
            options.before = try date("--before")
            options.minCost = try cost("--min-cost")
            options.maxCost = try cost("--max-cost")
            if let min = options.minCost, let max = options.maxCost, min > max {
                throw .invalidValue(option: "--max-cost", value: scan.last("--max-cost") ?? "",
                                    expected: "a cost at least --min-cost", command: name)
            }
            if let text = scan.last("--sort") {
                guard let sort = SessionSort(text) else {
                    throw .invalidValue(option: "--sort", value: text,
                                        expected: "updated-desc, updated-asc, created-desc, created-asc, cost-desc or cost-asc", command: name)
                }
                options.sort = sort
            }
            options.limit = try limit()
            options.cursor = try cursor()
            return .search(options)
        case "show":
            return .show(id: try exactlyOne("session ID"), messages: scan.has("--messages"))
        case "delete":
            return .delete(ids: try atLeastOne("session ID"))
        case "tag":
            let id = try exactlyOne("session ID")
            let add = try nonEmpty(scan.values["--add"] ?? [], "--add")
            let remove = try nonEmpty(scan.values["--remove"] ?? [], "--remove")
            if add.isEmpty && remove.isEmpty { throw .missingArgument("--add TAG or --remove TAG", command: name) }
            return .tag(id: id, add: add, remove: remove)
        case "cleanup":
            try noPositionals()
            guard let text = scan.last("--older-than") else { throw .missingArgument("--older-than AGE", command: name) }
            guard let age = DurationText.parseDuration(text) else {
                throw .invalidValue(option: "--older-than", value: text, expected: "an age such as 30d, 12h or 2w", command: name)
            }
            return .cleanup(olderThan: age, dryRun: scan.has("--dry-run"))
        case "stats":
            try noPositionals()
            return .stats
        case "export":
            guard let output = scan.last("--output") else { throw .missingArgument("-o FILE", command: name) }
            if output.isEmpty { throw .invalidValue(option: "-o", value: output, expected: "a file path", command: name) }
            return .export(ids: positionals, output: output)
        case "import":
            return .importArchives(files: try atLeastOne("archive FILE"), overwrite: scan.has("--overwrite"))
        case "inspect":
            return .inspect(files: try atLeastOne("FILE"))
        case "import-claude":
            if positionals.count > 1 { throw .unexpectedArgument(positionals[1], command: name) }
            return .importClaude(directory: positionals.first)
        default:
            // "help" is answered by `helpRequest`; any other name was rejected by `scanWords`.
            return .help(topic: positionals.first)
        }
    }
}
