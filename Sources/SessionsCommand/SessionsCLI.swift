import AgentSessions
import Foundation

/// The `sessions` program: parses a command line and runs it against a store.
///
/// `Sources/sessions/main.swift` only calls ``main(_:environment:console:)`` and exits with
/// its code. Every store-backed command opens the store with `SessionStore.start(_:)` with
/// periodic cleanup disabled (a CLI run must not start it), and shuts it down before returning.
package enum SessionsCLI {
    /// Parses `arguments` and runs the command.
    ///
    /// Usage errors are written to `console`'s standard error as one line and give
    /// ``ExitCode/usage`` without touching the store.
    /// - Parameters:
    ///   - arguments: the words after the program name.
    ///   - environment: the process environment (`AGENT_SESSIONS_DIR`, `CLAUDE_CONFIG_DIR`, `HOME`).
    ///   - console: where output and errors go.
    /// - Returns: the exit status; see ``ExitCode``.
    package static func main(_ arguments: [String], environment: [String: String], console: Console) async -> ExitCode {
        let invocation: Invocation
        do { invocation = try ArgumentParser.parse(arguments) } catch {
            console.error(error.description)
            return .usage
        }
        let code = await run(invocation, environment: environment, console: console)
        console.flush()
        return code
    }

    /// Runs a parsed invocation.
    ///
    /// Cancellation is not checked: each command runs to completion (store writes are not
    /// interrupted), which a command-line run wants.
    /// - Parameters:
    ///   - invocation: the parsed command line.
    ///   - environment: the process environment.
    ///   - console: where output and errors go.
    /// - Returns: the exit status; see ``ExitCode``.
    package static func run(_ invocation: Invocation, environment: [String: String], console: Console) async -> ExitCode {
        let runner = CommandRunner(global: invocation.global, environment: environment, console: console)
        switch invocation.command {
        case .help(let topic):
            console.line(HelpText.text(for: topic))
            return .success
        case .inspect(let files):
            return runner.inspect(files)
        default:
            break
        }
        let store: SessionStore
        do { store = try await runner.openStore() } catch {
            console.error("cannot open the store at \(runner.storeDirectory): \(error.description)")
            return .storeError
        }
        let code: ExitCode
        do {
            code = try await runner.run(invocation.command, store: store)
        } catch {
            if case .conflict = error {
                console.error(error.description + "; rerun with --overwrite to replace it")
                code = .storeError
            } else {
                code = runner.report(error)
            }
        }
        await store.shutdown()
        return code
    }
}

/// Runs the commands of one invocation; holds the global options and the console.
struct CommandRunner {
    let global: GlobalOptions
    let environment: [String: String]
    let console: Console

    var json: Bool { global.json }

    /// `--store`, else `AGENT_SESSIONS_DIR`, else the default location.
    var storeDirectory: String { global.store ?? FileBackend.defaultDirectory(environment: environment) }

    func openStore() async throws(StoreError) -> SessionStore {
        var configuration = SessionStore.Configuration(directory: storeDirectory, durability: global.durability ?? .durable)
        configuration.cleanup = nil
        return try await SessionStore.start(configuration)
    }

    /// Writes one JSON value as a line.
    func emit(_ value: JSONValue) {
        console.line(bytes: value.serialized())
    }

    /// The exit code for a store error (not found is 1, anything else 3), after reporting it.
    func report(_ error: StoreError) -> ExitCode {
        console.error(error.description)
        if case .notFound = error { return .notFound }
        return .storeError
    }

    func run(_ command: Command, store: SessionStore) async throws(StoreError) -> ExitCode {
        switch command {
        case .list(let limit, let cursor):
            return try await page(store.listSessions(limit: limit, cursor: cursor), emptyIsMiss: false)
        case .search(let options):
            return try await page(store.search(options.query(now: Date())), emptyIsMiss: true)
        case .show(let id, let messages):
            return try await show(id, messages: messages, store: store)
        case .delete(let ids):
            return await delete(ids, store: store)
        case .tag(let id, let add, let remove):
            let metadata = try await store.tagSession(id, add: add, remove: remove)
            if json { emit(Rendering.json(metadata)) } else {
                console.line("\(metadata.id): \(metadata.tags.isEmpty ? "(no tags)" : metadata.tags.joined(separator: ", "))")
            }
            return .success
        case .cleanup(let age, let dryRun):
            return try await cleanup(age, dryRun: dryRun, store: store)
        case .stats:
            return try await stats(store)
        case .export(let ids, let output):
            let count = try await store.exportSessions(ids: ids.isEmpty ? nil : ids, to: output)
            if json { emit(.object(["file": .string(output), "exported": .int(Int64(count))])) } else {
                console.line("exported \(count) session\(count == 1 ? "" : "s") to \(output)")
            }
            return .success
        case .importArchives(let files, let overwrite):
            return await importArchives(files, overwrite: overwrite, store: store)
        case .importClaude(let directory):
            return await importClaude(directory, store: store)
        case .inspect, .help:
            preconditionFailure("`inspect` and `help` are handled before a store is opened")
        }
    }

    private func page(_ page: SessionPage, emptyIsMiss: Bool) -> ExitCode {
        if json {
            for session in page.sessions { emit(Rendering.json(session)) }
        } else if page.sessions.isEmpty {
            console.line(emptyIsMiss ? "no matching sessions" : "no sessions")
        } else {
            for line in Rendering.table(page.sessions) { console.line(line) }
        }
        if let cursor = page.nextCursor {
            console.flush()
            console.error("next-cursor: \(cursor) (pass --cursor \(cursor) for the next page)")
        }
        return emptyIsMiss && page.sessions.isEmpty ? .notFound : .success
    }

    private func show(_ id: String, messages: Bool, store: SessionStore) async throws(StoreError) -> ExitCode {
        if messages {
            let stored = try await store.loadSession(id)
            for message in stored.messages { console.line(bytes: message.serialized()) }
            return .success
        }
        let metadata = try await store.session(id)
        if json { emit(Rendering.json(metadata)) } else {
            for line in Rendering.details(metadata) { console.line(line) }
        }
        return .success
    }

    private func delete(_ ids: [String], store: SessionStore) async -> ExitCode {
        var code = ExitCode.success
        for id in ids {
            do {
                try await store.deleteSession(id)
                if json { emit(.object(["id": .string(id), "deleted": true])) } else { console.line("deleted \(id)") }
            } catch {
                if json { emit(.object(["id": .string(id), "deleted": false, "error": .string(error.code)])) }
                code = code.worse(report(error))
            }
        }
        return code
    }

    private func cleanup(_ age: Duration, dryRun: Bool, store: SessionStore) async throws(StoreError) -> ExitCode {
        let report = try await store.cleanupOldSessions(maxAge: age, dryRun: dryRun)
        if json {
            emit(.object([
                "cutoff": .string(DurationText.iso(report.cutoff)), "dry_run": .bool(report.dryRun),
                "count": .int(Int64(report.sessions.count)), "sessions": .array(report.sessions.map { .string($0.id) }),
            ]))
        } else {
            let verb = dryRun ? "would delete" : "deleted"
            console.line("\(verb) \(report.sessions.count) session\(report.sessions.count == 1 ? "" : "s") not updated since \(DurationText.iso(report.cutoff))")
            for session in report.sessions { console.line("  \(session.id)  \(DurationText.short(session.updatedAt))") }
        }
        return .success
    }

    private func stats(_ store: SessionStore) async throws(StoreError) -> ExitCode {
        let stats = try await store.stats()
        let tags = stats.tags.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        if json {
            var tagObject = JSONObject()
            for (tag, count) in tags { tagObject.append(key: tag, value: .int(Int64(count))) }
            emit(.object([
                "location": .string(stats.location), "durability": .string(stats.durability.description),
                "sessions": .int(Int64(stats.sessions)), "messages": .int(Int64(stats.messages)),
                "bytes": .int(Int64(stats.bytes)), "total_cost_usd": .double(stats.totalCostUSD),
                "oldest_update": stats.oldestUpdate.map { .string(DurationText.iso($0)) } ?? .null,
                "newest_update": stats.newestUpdate.map { .string(DurationText.iso($0)) } ?? .null,
                "tags": .object(tagObject),
            ]))
        } else {
            console.line("store:     \(stats.location) (\(stats.durability))")
            console.line("sessions:  \(stats.sessions)")
            console.line("messages:  \(stats.messages)")
            console.line("bytes:     \(stats.bytes)")
            console.line("cost:      \(Rendering.cost(stats.totalCostUSD))")
            if let oldest = stats.oldestUpdate, let newest = stats.newestUpdate {
                console.line("updated:   \(DurationText.iso(oldest)) .. \(DurationText.iso(newest))")
            }
            console.line("tags:      " + (tags.isEmpty ? "-" : tags.map { "\($0.key) (\($0.value))" }.joined(separator: ", ")))
        }
        return .success
    }

    private func importArchives(_ files: [String], overwrite: Bool, store: SessionStore) async -> ExitCode {
        var code = ExitCode.success
        for file in files {
            do {
                let report = try await store.importSessions(from: file, overwrite: overwrite)
                if json {
                    emit(.object([
                        "file": .string(file), "imported": .array(report.imported.map { .string($0) }),
                        "unchanged": .array(report.unchanged.map { .string($0) }),
                        "conflicts": .array(report.conflicts.map { .string($0) }),
                    ]))
                } else {
                    console.line("\(file): \(report.imported.count) imported, \(report.unchanged.count) unchanged, \(report.conflicts.count) conflicts")
                }
                for id in report.conflicts {
                    console.error("conflict: session \(id) from \(file) is already stored with different content; rerun with --overwrite to replace it")
                    code = code.worse(.storeError)
                }
            } catch {
                if case .invalidArchive(_, _, let reason) = error, reason == "no such file" {
                    console.error("\(file): no such file; check the path")
                    code = code.worse(.notFound)
                } else {
                    code = code.worse(report(error))
                }
            }
        }
        return code
    }
}
