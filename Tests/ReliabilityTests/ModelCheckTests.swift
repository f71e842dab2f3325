import AgentSessions
import Foundation
import Supervision
import Synchronization
import Testing
import TestSupport

/// A settable "now" for `Configuration.now`.
final class NowBox: Sendable {
    private let value = Mutex(Date(timeIntervalSince1970: modelEpoch))
    var date: Date {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}

/// Where a run first disagreed with the model.
struct ModelMismatch: Error, CustomStringConvertible {
    var step: Int
    var operation: ModelOp
    var expected: String
    var actual: String
    var description: String { "step \(step + 1): \(operation)\n    model expects: \(expected)\n    store answered: \(actual)" }
}

/// Runs steps against a fresh store (a FileBackend in a temporary directory, buffered, no cleanup
/// child, small checkpoints, a fault-injecting wrapper) and against the model, comparing after every step.
final class ModelCheckRun {
    let directory = NSTemporaryDirectory() + "agent-sessions-model-\(UUID().uuidString)"
    let faults = ModelFaults()
    let now = NowBox()
    var configuration: SessionStore.Configuration
    var store: SessionStore?
    var model = StoreModel()
    /// The cursor of the last page that had one: the store's, and the model's (sort, key, id).
    var cursor: (store: SessionCursor, model: (sort: SortSpec, key: Double, id: String))?

    init(checkpointBytes: Int) {
        configuration = SessionStore.Configuration(directory: directory, durability: .buffered)
        configuration.cleanup = nil
        configuration.checkpointBytes = checkpointBytes
        configuration.restartIntensity = RestartIntensity(maxRestarts: 1_000_000, period: .seconds(1))
        let now = self.now, faults = self.faults, directory = self.directory
        configuration.now = { now.date }
        configuration.backend = {
            WriteFaultBackend(base: FileBackend(directory: directory, durability: .buffered, checkpointThreshold: checkpointBytes)) {
                faults.take().map { ($0, EIO) }
            }
        }
    }

    /// Runs every step; returns the first mismatch, if any. Always shuts the store down and removes its directory.
    static func run(_ steps: [ModelStep], checkpointBytes: Int = 32 << 10) async -> ModelMismatch? {
        let run = ModelCheckRun(checkpointBytes: checkpointBytes)
        defer { try? FileManager.default.removeItem(atPath: run.directory) }
        let mismatch = await run.execute(steps)
        await run.store?.shutdown()
        return mismatch
    }

    private func execute(_ steps: [ModelStep]) async -> ModelMismatch? {
        do { store = try await SessionStore.start(configuration) } catch {
            return ModelMismatch(step: -1, operation: .reopen(dropSnapshot: false), expected: "the store opens", actual: "\(error)")
        }
        for (index, step) in steps.enumerated() {
            for op in [step.op, step.probe] {
                if let problem = await perform(op) { return ModelMismatch(step: index, operation: op, expected: problem.0, actual: problem.1) }
            }
        }
        if let problem = await perform(.checkAll) {
            return ModelMismatch(step: steps.count - 1, operation: .checkAll, expected: problem.0, actual: problem.1)
        }
        return nil
    }

    /// Performs `op` on both sides; returns (expected, actual) when they disagree.
    private func perform(_ op: ModelOp) async -> (String, String)? {
        if case .checkAll = op { return await checkAll() }
        if case .crash(let inner, let mode) = op {
            let predicted = model.writes(inner)
            faults.arm(mode)
            let actual = await observe(inner)
            let fired = faults.disarm()
            let expected = model.apply(op, cursor: cursor?.model)
            if fired != predicted {
                return ("the operation \(predicted ? "writes" : "does not write") to the backend",
                        "it \(fired ? "wrote" : "did not write") (answered \(actual))")
            }
            return expected == actual ? nil : (expected.description, actual.description)
        }
        let usedCursor = cursor
        let actual = await observe(op)
        let expected = model.apply(op, cursor: usedCursor?.model)
        if expected != actual {
            return (expected.description, actual.description)
        }
        if case .search(let query) = op, case .page(let sessions, _) = actual {
            cursor = nil
            if let next = lastCursor, let last = sessions.last {
                cursor = (next, (query.sort, query.sort.key(last), last.id))
            }
        }
        return nil
    }

    private var lastCursor: SessionCursor?

    /// Runs `op` on the store (time moves first, as the model's does) and reports its answer.
    private func observe(_ op: ModelOp) async -> Observation {
        let date = { (t: Double?) in t.map(StoreModel.date) }
        do {
            guard let store else { return .error(code: "no store") }
            switch op {
            case .save(let id, let messages, let tags, let summary, let created, let updated):
                return .metadata(try await store.saveSession(
                    id, messages: messages.map(\.message), tags: tags, summary: summary, createdAt: date(created), updatedAt: date(updated)))
            case .append(let id, let messages, let at):
                return .metadata(try await store.appendMessages(id, messages.map(\.message), at: date(at)))
            case .delete(let id):
                try await store.deleteSession(id)
                return .done
            case .tag(let id, let add, let remove):
                return .metadata(try await store.tagSession(id, add: add, remove: remove))
            case .search(let query):
                let cursor = query.continues && self.cursor?.model.sort == query.sort ? self.cursor?.store : nil
                let page = try await store.search(query.query(cursor: cursor))
                lastCursor = page.nextCursor
                return .page(page.sessions, hasMore: page.nextCursor != nil)
            case .load(let id):
                let stored = try await store.loadSession(id)
                return .session(stored.metadata, stored.messages)
            case .metadata(let id):
                return .metadata(try await store.session(id))
            case .stats:
                let s = try await store.stats()
                return .stats(StatsSummary(sessions: s.sessions, messages: s.messages, bytes: s.bytes, cost: s.totalCostUSD,
                                           tags: s.tags, oldest: s.oldestUpdate, newest: s.newestUpdate))
            case .advanceClock(let seconds):
                now.date = StoreModel.date(model.now + seconds)
                return .done
            case .cleanup(let advance, let maxAge, let dryRun):
                now.date = StoreModel.date(model.now + advance)
                let report = try await store.cleanupOldSessions(maxAge: .seconds(maxAge), dryRun: dryRun)
                return .cleanup(cutoff: report.cutoff, report.sessions)
            case .reopen(let dropSnapshot):
                await store.shutdown()
                self.store = nil
                if dropSnapshot { try? FileManager.default.removeItem(atPath: directory + "/index.snapshot") }
                self.store = try await SessionStore.start(configuration)
                return .done
            case .crash, .checkAll:
                return .error(code: "unexpected")
            }
        } catch {
            return .error(code: error.code)
        }
    }

    /// Everything: the full list (newest first), every session's metadata and messages, the stats,
    /// and `not_found` for every pool id the model does not hold.
    private func checkAll() async -> (String, String)? {
        let all = QuerySpec()
        for op in [ModelOp.search(all), .stats] {
            let actual = await observe(op)
            let expected = model.apply(op, cursor: nil)
            if expected != actual { return ("\(op): \(expected)", "\(actual)") }
        }
        for id in Set(model.sessions.keys).union(ModelGenerator.validIDs).sorted() {
            for op in [ModelOp.load(id: id), .metadata(id: id)] {
                let actual = await observe(op)
                let expected = model.apply(op, cursor: nil)
                if expected != actual { return ("\(op): \(expected)", "\(actual)") }
            }
        }
        return nil
    }
}

/// Shrinks a failing step list: first to the shortest failing prefix, then by removing chunks
/// (delta debugging) while it still fails, within a time budget.
enum ModelShrinker {
    static func shrink(_ steps: [ModelStep], failingAt step: Int, checkpointBytes: Int, budget: Duration) async -> (prefix: Int, minimal: [ModelStep], failure: ModelMismatch?) {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: budget)
        // The first mismatch of a deterministic run ends the shortest failing prefix; confirm it
        // and look for a shorter one in case the failure does not depend on the last steps.
        var prefix = Array(steps.prefix(step + 1))
        var failure = await ModelCheckRun.run(prefix, checkpointBytes: checkpointBytes)
        guard failure != nil else { return (prefix.count, prefix, nil) }
        var low = 0, high = prefix.count  // fails at `high`; assume it passes at `low`
        while high - low > 1, clock.now < deadline {
            let middle = (low + high) / 2
            if let shorter = await ModelCheckRun.run(Array(prefix.prefix(middle)), checkpointBytes: checkpointBytes) {
                high = middle
                failure = shorter
            } else {
                low = middle
            }
        }
        prefix = Array(prefix.prefix(high))
        let prefixLength = prefix.count
        // Delta debugging: remove chunks, halving the chunk size, while it still fails.
        var current = prefix
        var chunk = max(1, current.count / 2)
        while chunk >= 1, clock.now < deadline {
            var removedAny = false
            var start = 0
            while start < current.count, clock.now < deadline {
                var candidate = current
                candidate.removeSubrange(start..<min(current.count, start + chunk))
                if !candidate.isEmpty, let smaller = await ModelCheckRun.run(candidate, checkpointBytes: checkpointBytes) {
                    current = candidate
                    failure = smaller
                    removedAny = true
                } else {
                    start += chunk
                }
            }
            if chunk == 1 && !removedAny { break }
            chunk = removedAny ? chunk : chunk / 2
            if chunk == 0 { break }
        }
        return (prefixLength, current, failure)
    }
}

@Suite("Model check: random operation sequences against the real store and a plain model")
struct ModelCheckTests {
    /// Steps per seed; `AGENT_SESSIONS_MODEL_STEPS` raises it for a long run.
    static let steps = ProcessInfo.processInfo.environment["AGENT_SESSIONS_MODEL_STEPS"].flatMap(Int.init) ?? 2_500
    /// `AGENT_SESSIONS_MODEL_SEED` replaces the CI seeds with one seed (to reproduce a failure).
    static let seeds: [UInt64] = ProcessInfo.processInfo.environment["AGENT_SESSIONS_MODEL_SEED"].flatMap(UInt64.init).map { [$0] }
        ?? [20_261_121, 7, 1_234_568, 99_991]

    /// `AGENT_SESSIONS_MODEL_CHECKPOINT_BYTES` sets the log size that triggers a checkpoint.
    static let checkpointBytes = ProcessInfo.processInfo.environment["AGENT_SESSIONS_MODEL_CHECKPOINT_BYTES"].flatMap(Int.init)

    @Test("after every step of a seeded random sequence the store and the model agree", arguments: seeds)
    func randomSequences(_ seed: UInt64) async throws {
        var generator = ModelGenerator(seed: seed)
        let steps = generator.steps(Self.steps)
        // Small logs, so checkpoints (and crashes right after one) happen often; by seed: 24, 8 or 2 KiB.
        let checkpointBytes = Self.checkpointBytes ?? [24 << 10, 8 << 10, 2 << 10][Int(seed % 3)]
        guard let mismatch = await ModelCheckRun.run(steps, checkpointBytes: checkpointBytes) else { return }
        let (prefix, minimal, failure) = await ModelShrinker.shrink(steps, failingAt: mismatch.step, checkpointBytes: checkpointBytes, budget: .seconds(40))
        var report = """
            seed \(seed): the store disagrees with the model at \(mismatch)
            shortest failing prefix: \(prefix) steps (reproduce: AGENT_SESSIONS_MODEL_SEED=\(seed) AGENT_SESSIONS_MODEL_STEPS=\(prefix))
            """
        if prefix <= 300 {
            report += "\n" + steps.prefix(prefix).enumerated().map { "  \($0.offset + 1). \($0.element)" }.joined(separator: "\n")
        } else {
            report += "\n  (last 30 of the prefix)\n" + steps.prefix(prefix).enumerated().suffix(30).map { "  \($0.offset + 1). \($0.element)" }.joined(separator: "\n")
        }
        if let failure {
            report += "\nminimised to \(minimal.count) steps, failing at \(failure):\n"
                + minimal.enumerated().map { "  \($0.offset + 1). \($0.element)" }.joined(separator: "\n")
        } else {
            report += "\n(the prefix did not fail again when re-run: the failure is not deterministic)"
        }
        Issue.record("\(report)")
    }

    @Test("the generator covers every kind of operation, crash mode and error")
    func coverage() {
        var generator = ModelGenerator(seed: 1)
        let steps = generator.steps(3_000)
        var kinds: Set<String> = []
        var model = StoreModel()
        var errors: Set<String> = []
        for step in steps {
            let name = "\(step.op)".prefix { $0 != "(" && $0 != "{" && $0 != "[" }
            kinds.insert(String(name))
            if case .crash(_, let mode) = step.op { kinds.insert("crash-\(mode)") }
            if case .reopen(true) = step.op { kinds.insert("reopen-rebuild") }
            if case .error(let code) = model.apply(step.op, cursor: nil) { errors.insert(code) }
        }
        #expect(kinds.isSuperset(of: ["save", "append", "delete", "tag", "search", "load", "session", "stats", "advanceClock",
                                      "cleanup", "crash", "crash-beforeWriting", "crash-afterWriting", "reopen", "reopen-rebuild"]),
                "\(kinds.sorted())")
        #expect(errors.isSuperset(of: ["invalid_id", "invalid_tag", "not_found", "storage_failure"]), "\(errors.sorted())")
    }
}

/// Deterministic reproductions of what the model check found, one test per finding.
@Suite("Model check findings")
struct ModelCheckFindingsTests {
    @Test("a write that fails after its log record, when the log is due for a checkpoint, loses no session")
    func crashAtCheckpointKeepsSessions() async throws {
        // checkpointBytes 1: every write transaction ends in a checkpoint. The failed write's
        // transaction is released by SessionTable.write's `defer` with `endWrite { [] }`, which
        // checkpoints an empty index: the snapshot then says the store is empty.
        let run = ModelCheckRun(checkpointBytes: 1)
        defer { try? FileManager.default.removeItem(atPath: run.directory) }
        let store = try await SessionStore.start(run.configuration)
        try await store.saveSession("a", messages: [MessageSpec.user("one").message])
        try await store.saveSession("b", messages: [MessageSpec.user("two").message])
        run.faults.arm(.afterWriting)
        await #expect(throws: StoreError.self) { try await store.saveSession("c", messages: [MessageSpec.user("three").message]) }
        #expect(run.faults.disarm())
        // The restarted actor recovers from disk: a and b were acknowledged, c reached the log.
        let ids = try await store.listSessions().sessions.map(\.id).sorted()
        #expect(ids == ["a", "b", "c"], "sessions lost from the index after the store actor restarted")
        for id in ["a", "b"] {
            #expect((try? await store.loadSession(id))?.messages.count == 1, "acknowledged session \(id) cannot be loaded")
        }
        await store.shutdown()
    }

    @Test("a page that ends the results has no cursor, whichever search path produced it")
    func lastPageHasNoCursor() async throws {
        let run = ModelCheckRun(checkpointBytes: 32 << 10)
        defer { try? FileManager.default.removeItem(atPath: run.directory) }
        let store = try await SessionStore.start(run.configuration)
        try await store.saveSession("only", messages: [MessageSpec.user("hi").message])
        // One session, limit 1: the page holds every match, so SessionPage.nextCursor must be nil
        // ("nil when this page is the last"). With no filter the index walks the sort order
        // (SessionIndex.walk), which returns a cursor whenever the page is full.
        let page = try await store.search(SessionQuery(limit: 1))
        #expect(page.sessions.map(\.id) == ["only"])
        #expect(page.nextCursor == nil, "the last page came with a cursor (its next page is empty)")
        // The filtered path (collect and sort) too:
        let filtered = try await store.search(SessionQuery(minCost: 0, limit: 1))
        #expect(filtered.sessions.map(\.id) == ["only"])
        #expect(filtered.nextCursor == nil)
        await store.shutdown()
    }

    @Test("dates from the default clock (Date()) survive a reopen bit for bit")
    func defaultClockDatesSurviveReopen() async throws {
        let directory = NSTemporaryDirectory() + "agent-sessions-dates-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = SessionStore.Configuration(directory: directory, durability: .buffered)
        configuration.cleanup = nil
        // Dates as Date() makes them (a count of seconds since 2001): about half of them do not
        // survive a round trip through timeIntervalSince1970, which the log, the snapshot and
        // the metadata catalog store.
        let dates = (0..<64).map { Date(timeIntervalSinceReferenceDate: 785_000_000 + Double($0) * 0.123_456_789) }
        var store = try await SessionStore.start(configuration)
        var before: [SessionMetadata] = []
        for (n, date) in dates.enumerated() {
            before.append(try await store.saveSession("d\(n)", messages: [], createdAt: date, updatedAt: date))
        }
        await store.shutdown()
        store = try await SessionStore.start(configuration)
        var changed: [String] = []
        for original in before where try await store.session(original.id) != original { changed.append(original.id) }
        #expect(changed.isEmpty, "\(changed.count) of \(dates.count) sessions changed createdAt/updatedAt across a reopen: \(changed.prefix(5))")
        // The visible effect: a query bounded by a session's own createdAt can lose it.
        var lost: [String] = []
        for original in before {
            let page = try await store.search(SessionQuery(createdAfter: original.createdAt, createdBefore: original.createdAt.addingTimeInterval(0.05)))
            if !page.sessions.contains(where: { $0.id == original.id }) { lost.append(original.id) }
        }
        #expect(lost.isEmpty, "createdAfter: s.createdAt (inclusive) no longer finds \(lost.count) sessions after a reopen")
        await store.shutdown()
    }
}
