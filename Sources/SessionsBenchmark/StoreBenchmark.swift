import AgentSessions
import Foundation

/// The shared session-store workload (`/work/shared/bench/WORKLOAD.md`) on ``SessionStore``.
///
/// - `write CORPUS STORE_DIR [--subset]`: process 1 (ingest durable into `STORE_DIR/D`, ingest
///   buffered into `STORE_DIR/B`, load hot, append durable and buffered, cleanup, rss); with
///   `--subset` only the buffered ingest.
/// - `read CORPUS STORE_DIR [--subset]`: process 2 on `STORE_DIR/B` (open, load cold, every search
///   query, list page and full, rss). `--subset` says process 1 made no appends.
/// - `open CORPUS STORE_DIR`: only the open (start + `queries[0]`), for the driver's `open_process`
///   line; prints nothing on success.
///
/// Every timer uses `ContinuousClock`; the benchmark's "now" is `workload.json`'s `now` (the store's
/// clock is pinned to it too, so nothing reads the wall clock). Every count is checked against the
/// corpus's expected answers: a wrong answer prints a message on stderr and exits 1.
///
/// All loops run in nonisolated async functions, so a call into the store from the loop does not
/// hop from the main actor to the global executor and back: the latencies are the store's own.
enum StoreBenchmark {
    /// `--cache-mib N` (an experiment, not the standard configuration): the message cache's budget.
    static let cacheMiB: Int? = {
        let arguments = CommandLine.arguments
        guard let i = arguments.firstIndex(of: "--cache-mib"), i + 1 < arguments.count else { return nil }
        return Int(arguments[i + 1])
    }()

    /// The configuration's name on every output line.
    static var impl: String { implName(cacheMiB: cacheMiB) }

    static func implName(cacheMiB: Int?) -> String {
        cacheMiB.map { "agentsessions-file-cache\($0)m" } ?? "agentsessions-file"
    }

    static func configuration(_ directory: String, _ durability: Durability, now: Date) -> SessionStore.Configuration {
        var configuration = SessionStore.Configuration(directory: directory, durability: durability)
        configuration.cleanup = nil  // no periodic cleanup child: the benchmark runs cleanup itself
        configuration.now = { now }  // never the wall clock
        if let cacheMiB { configuration.cacheBytes = cacheMiB << 20 }
        return configuration
    }

    static func usage(_ command: String) -> Int32 {
        Bench.log("usage: sessions-bench \(command) CORPUS_DIR STORE_DIR [--subset] [--cache-mib N]")
        return 2
    }

    static func main(_ command: String, _ arguments: [String]) async -> Int32 {
        var positional: [String] = []
        var i = 0
        while i < arguments.count {
            switch arguments[i] {
            case "--subset": i += 1
            case "--cache-mib":
                guard i + 1 < arguments.count, let n = Int(arguments[i + 1]), n >= 0 else { return usage(command) }
                i += 2
            case let a where a.hasPrefix("--"):
                Bench.log("unknown option \(a)")
                return usage(command)
            case let a:
                positional.append(a)
                i += 1
            }
        }
        guard positional.count == 2 else { return usage(command) }
        let subset = arguments.contains("--subset")
        do {
            switch command {
            case "write": try await write(corpus: positional[0], stores: positional[1], subset: subset)
            case "read": try await read(corpus: positional[0], stores: positional[1], subset: subset)
            default: try await openOnly(corpus: positional[0], stores: positional[1])
            }
            return 0
        } catch {
            Bench.log("sessions-bench \(command): FAILED: \(error)")
            return 1
        }
    }

    // MARK: Process 1

    static func write(corpus: String, stores: String, subset: Bool) async throws {
        Bench.log("write: reading \(corpus)")
        let w = try Workload(corpus: corpus, transcripts: true, appends: !subset)
        let n = w.sessions
        Bench.log("write: \(n) sessions, \(w.manifest.reduce(0) { $0 + $1.transcript.count }) transcript bytes in memory")
        for name in ["D", "B"] where FileManager.default.fileExists(atPath: stores + "/" + name) {
            throw BenchError("\(stores)/\(name) exists: the workload needs fresh, empty stores")
        }

        var durable: SessionStore?
        if !subset {
            let d = try await SessionStore.start(configuration(stores + "/D", .durable, now: w.now))
            durable = d
            try await ingest(d, w, mode: "durable")
        }
        let buffered = try await SessionStore.start(configuration(stores + "/B", .buffered, now: w.now))
        try await ingest(buffered, w, mode: "buffered")
        if let durable {
            try await load(buffered, w, mode: "hot", expected: w.expectedLoadBeforeAppend)
            try await append(durable, w, mode: "durable")
            try await append(buffered, w, mode: "buffered")
            try await cleanup(durable, w)
        }
        var rss = OutputLine(impl: impl, op: "rss")
        rss.add("process", "write")
        rss.add("n", n)
        rss.add("peak_rss_mb", Bench.peakRSSMiB(), decimals: 1)
        rss.emit()
        // Not timed: closing checkpoints each store, so process 2 opens from a snapshot.
        let start = Bench.clock.now
        await durable?.shutdown()
        await buffered.shutdown()
        Bench.log("write: stores closed in \(String(format: "%.2f", Bench.seconds(Bench.clock.now - start))) s")
    }

    /// Prints one throughput line (WORKLOAD §6): mode, n, count, [messages], seconds, per_sec,
    /// p50_us, p99_us, [decoded]; `seconds` is the wall time since `start`.
    static func emitRate(
        _ op: String, mode: String, _ w: Workload, _ latencies: Latencies, since start: ContinuousClock.Instant,
        messages: Int? = nil, decoded: Bool? = nil
    ) {
        let seconds = Bench.seconds(Bench.clock.now - start)
        var latencies = latencies  // percentiles sort in place
        var line = OutputLine(impl: impl, op: op)
        line.add("mode", mode)
        line.add("n", w.sessions)
        line.add("count", latencies.count)
        if let messages { line.add("messages", messages) }
        line.add("seconds", seconds, decimals: 6)
        line.add("per_sec", Double(latencies.count) / seconds, decimals: 1)
        line.add("p50_us", latencies.p(50), decimals: 1)
        line.add("p99_us", latencies.p(99), decimals: 1)
        if let decoded { line.add("decoded", decoded) }
        line.emit()
    }

    static func ingest(_ store: SessionStore, _ w: Workload, mode: String) async throws {
        var latencies = Latencies(capacity: w.manifest.count)
        let start = Bench.clock.now
        for entry in w.manifest {
            let t0 = Bench.clock.now
            try await store.saveSession(entry.id, jsonLines: entry.transcript, tags: entry.tags,
                                        createdAt: entry.createdAt, updatedAt: entry.updatedAt)
            latencies.append(Bench.clock.now - t0)
        }
        // not decoded: saveSession(jsonLines:) validates every line and reads its type from the
        // text; it decodes only the few lines the metadata needs (StoredFacts.scanning).
        emitRate("ingest", mode: mode, w, latencies, since: start, decoded: false)
        let stats = try await store.stats()
        guard stats.sessions == w.sessions else { throw BenchError("ingest \(mode): store has \(stats.sessions) sessions, expected \(w.sessions)") }
    }

    static func load(_ store: SessionStore, _ w: Workload, mode: String, expected: Int) async throws {
        var latencies = Latencies(capacity: w.loadIDs.count)
        var messages = 0
        let start = Bench.clock.now
        for id in w.loadIDs {
            let t0 = Bench.clock.now
            let stored = try await store.loadSession(id)
            latencies.append(Bench.clock.now - t0)
            messages += stored.messages.count
        }
        // not decoded: loaded messages hold their stored text, checked line by line with the JSON
        // validator but not built into JSON trees (`Message.json` decodes on access).
        emitRate("load", mode: mode, w, latencies, since: start, messages: messages, decoded: false)
        guard messages == expected else { throw BenchError("load \(mode): \(messages) messages, expected \(expected)") }
    }

    static func append(_ store: SessionStore, _ w: Workload, mode: String) async throws {
        var latencies = Latencies(capacity: w.appends.count)
        let start = Bench.clock.now
        for op in w.appends {
            let t0 = Bench.clock.now
            // Timed: from the message's JSON text to the acknowledged append (as ingest starts from bytes).
            let message = try Message(parsing: op.message)
            try await store.appendMessages(op.id, [message], at: op.at)
            latencies.append(Bench.clock.now - t0)
        }
        emitRate("append", mode: mode, w, latencies, since: start)
        let stats = try await store.stats()
        let expected = w.manifestMessages + w.appends.count
        guard stats.messages == expected else { throw BenchError("append \(mode): store holds \(stats.messages) messages, expected \(expected)") }
    }

    static func cleanup(_ store: SessionStore, _ w: Workload) async throws {
        let start = Bench.clock.now
        let report = try await store.cleanupOldSessions(maxAge: .seconds(w.cleanupMaxAgeDays * 86_400), now: w.now)
        let seconds = Bench.seconds(Bench.clock.now - start)
        var line = OutputLine(impl: impl, op: "cleanup")
        line.add("n", w.sessions)
        line.add("count", report.sessions.count)
        line.add("seconds", seconds, decimals: 6)
        line.emit()
        guard report.sessions.count == w.expectedDeletedAfterAppend else {
            throw BenchError("cleanup deleted \(report.sessions.count), expected \(w.expectedDeletedAfterAppend)")
        }
        let left = try await store.stats().sessions
        guard left == w.sessions - w.expectedDeletedAfterAppend else {
            throw BenchError("cleanup: \(left) sessions left, expected \(w.sessions - w.expectedDeletedAfterAppend)")
        }
    }

    // MARK: Process 2

    static func read(corpus: String, stores: String, subset: Bool) async throws {
        let w = try Workload(corpus: corpus, transcripts: false, appends: false)
        let n = w.sessions
        let directory = stores + "/B"
        guard FileManager.default.fileExists(atPath: directory) else { throw BenchError("\(directory) does not exist: run write first") }

        // open: from before any store code runs until queries[0] has returned.
        let first = w.queries[0]
        let openStart = Bench.clock.now
        let store = try await SessionStore.start(configuration(directory, .buffered, now: w.now))
        let firstPage = try await store.search(first.query)
        let openSeconds = Bench.seconds(Bench.clock.now - openStart)
        var open = OutputLine(impl: impl, op: "open")
        open.add("n", n)
        open.add("seconds", openSeconds, decimals: 6)
        open.add("matches", firstPage.sessions.count)
        open.emit()
        guard firstPage.sessions.count == first.expectedMatches else {
            throw BenchError("open: \(first.name) returned \(firstPage.sessions.count), expected \(first.expectedMatches)")
        }

        try await load(store, w, mode: "cold", expected: subset ? w.expectedLoadBeforeAppend : w.expectedLoadAfterAppend)

        for q in w.queries {
            var result: SessionPage?
            let latencies = try await repeatTimed(w, iterations: w.searchIterations) { result = try await store.search(q.query) }
            let page = result!
            var line = OutputLine(impl: impl, op: "search")
            line.add("query", q.name)
            line.add("n", n)
            line.add("iters", latencies.count)
            line.add("matches", page.sessions.count)
            var l = latencies
            line.add("p50_us", l.p(50), decimals: 1)
            line.add("p99_us", l.p(99), decimals: 1)
            line.emit()
            guard page.sessions.count == q.expectedMatches else {
                throw BenchError("search \(q.name): \(page.sessions.count) matches, expected \(q.expectedMatches)")
            }
            try verify(page.sessions, q.query, what: "search \(q.name)")
        }

        for (mode, limit, iterations) in [("page", Optional(w.pageLimit), w.pageIterations), ("full", nil, w.fullIterations)] {
            var result: SessionPage?
            var latencies = try await repeatTimed(w, iterations: iterations) { result = try await store.listSessions(limit: limit) }
            let returned = result!.sessions.count
            var line = OutputLine(impl: impl, op: "list")
            line.add("mode", mode)
            line.add("n", n)
            line.add("iters", latencies.count)
            line.add("returned", returned)
            line.add("p50_us", latencies.p(50), decimals: 1)
            line.add("p99_us", latencies.p(99), decimals: 1)
            line.emit()
            let expected = limit.map { min($0, n) } ?? n
            guard returned == expected else { throw BenchError("list \(mode): returned \(returned), expected \(expected)") }
            try verify(result!.sessions, SessionQuery(), what: "list \(mode)")
        }

        var rss = OutputLine(impl: impl, op: "rss")
        rss.add("process", "read")
        rss.add("n", n)
        rss.add("peak_rss_mb", Bench.peakRSSMiB(), decimals: 1)
        rss.emit()
        await store.shutdown()
    }

    /// Process 3 (for `open_process`): start the store and run `queries[0]`, nothing else.
    static func openOnly(corpus: String, stores: String) async throws {
        let w = try Workload(corpus: corpus, transcripts: false, appends: false)
        let directory = stores + "/B"
        guard FileManager.default.fileExists(atPath: directory) else { throw BenchError("\(directory) does not exist: run write first") }
        let store = try await SessionStore.start(configuration(directory, .buffered, now: w.now))
        let page = try await store.search(w.queries[0].query)
        guard page.sessions.count == w.queries[0].expectedMatches else {
            throw BenchError("open: \(w.queries[0].name) returned \(page.sessions.count), expected \(w.queries[0].expectedMatches)")
        }
        await store.shutdown()
    }

    /// Runs `body` `iterations` times, or stops early once the budget has passed with at least
    /// the minimum number of iterations done (WORKLOAD.md §5, search and list).
    static func repeatTimed(_ w: Workload, iterations: Int, _ body: () async throws -> Void) async throws -> Latencies {
        var latencies = Latencies(capacity: iterations)
        let start = Bench.clock.now
        while latencies.count < iterations {
            let t0 = Bench.clock.now
            try await body()
            let t1 = Bench.clock.now
            latencies.append(t1 - t0)
            if latencies.count >= w.searchMinIterations, Bench.seconds(t1 - start) >= w.searchBudgetSeconds { break }
        }
        return latencies
    }

    /// Checks (untimed) that every result passes the query's filters and that results are in
    /// `updatedAt` descending order with ties by id ascending (bytewise).
    static func verify(_ results: [SessionMetadata], _ query: SessionQuery, what: String) throws {
        for m in results {
            if !query.tags.isEmpty {
                let ok = query.tagMatch == .all ? query.tags.allSatisfy(m.tags.contains) : query.tags.contains(where: m.tags.contains)
                guard ok else { throw BenchError("\(what): \(m.id) has tags \(m.tags)") }
            }
            if let after = query.createdAfter, m.createdAt < after { throw BenchError("\(what): \(m.id) created \(m.createdAt)") }
            if let before = query.createdBefore, m.createdAt >= before { throw BenchError("\(what): \(m.id) created \(m.createdAt)") }
            if let min = query.minCost, m.totalCostUSD < min { throw BenchError("\(what): \(m.id) costs \(m.totalCostUSD)") }
            if let max = query.maxCost, m.totalCostUSD > max { throw BenchError("\(what): \(m.id) costs \(m.totalCostUSD)") }
        }
        guard query.sort == .updatedAtDescending else { return }
        for (a, b) in zip(results, results.dropFirst()) {
            let inOrder = a.updatedAt > b.updatedAt || (a.updatedAt == b.updatedAt && a.id.utf8.lexicographicallyPrecedes(b.id.utf8))
            guard inOrder else { throw BenchError("\(what): \(a.id) (\(a.updatedAt)) listed before \(b.id) (\(b.updatedAt))") }
        }
    }
}
