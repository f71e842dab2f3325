import AgentSessions
import Foundation
import TestSupport

// The plain in-memory model of the session store that ModelCheckTests runs against the real one.
//
// It implements the documented semantics (SessionStoreActor, SessionQuery, StoreError) directly:
// a dictionary of sessions, brute-force filtering and sorting, no index structures. The only thing
// it borrows from the library is `Session.summarize`, the derivation of cost, turns, model and
// summary from messages, which is the message layer's job and is tested there.

/// All times the model checker uses lie on a grid of quarter seconds after this instant, so every
/// date, difference and cutoff is exact in both `Date` and Unix-seconds arithmetic.
let modelEpoch = 1_700_000_000.0

/// A message the generator can build, with a short description for failure reports.
enum MessageSpec: Sendable, Hashable, CustomStringConvertible {
    case system(model: String)
    case user(String)
    case assistant(messageID: String, model: String?, text: String)
    case result(cost: Double)
    /// A type the library does not know; it must be kept losslessly.
    case other(String)

    var message: Message {
        switch self {
        case .system(let model):
            return Message(object: ["type": "system", "subtype": "init", "model": .string(model), "tools": .array([.string("Bash")])])
        case .user(let text):
            return Message(object: ["type": "user", "message": .object(["role": "user", "content": .string(text)])])
        case .assistant(let id, let model, let text):
            var api: JSONObject = ["id": .string(id), "role": "assistant"]
            if let model { api.append(key: "model", value: .string(model)) }
            api.append(key: "content", value: .array([.object(["type": "text", "text": .string(text)])]))
            return Message(object: ["type": "assistant", "message": .object(api)])
        case .result(let cost):
            return Message(object: ["type": "result", "subtype": "success", "is_error": false, "total_cost_usd": .double(cost)])
        case .other(let payload):
            return Message(object: ["type": "x-unknown", "payload": .string(payload), "big": .int(Int64.max), "n": .uint(UInt64.max)])
        }
    }

    var description: String {
        switch self {
        case .system(let model): "system(\(model))"
        case .user(let text): "user(\(text.debugDescription))"
        case .assistant(let id, let model, let text): "assistant(\(id), \(model ?? "-"), \(text.debugDescription))"
        case .result(let cost): "result(\(cost))"
        case .other(let payload): "other(\(payload.debugDescription))"
        }
    }
}

/// The six orders of search results, mirrored so the model can sort without the library.
enum SortSpec: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case updatedDesc, updatedAsc, createdDesc, createdAsc, costDesc, costAsc

    var sort: SessionSort {
        switch self {
        case .updatedDesc: .updatedAtDescending
        case .updatedAsc: .updatedAtAscending
        case .createdDesc: .createdAtDescending
        case .createdAsc: .createdAtAscending
        case .costDesc: .costDescending
        case .costAsc: .costAscending
        }
    }

    var descending: Bool { rawValue % 2 == 0 }

    func key(_ m: SessionMetadata) -> Double {
        switch self {
        case .updatedDesc, .updatedAsc: m.updatedAt.timeIntervalSince1970
        case .createdDesc, .createdAsc: m.createdAt.timeIntervalSince1970
        case .costDesc, .costAsc: m.totalCostUSD
        }
    }

    /// The documented order: by key in this direction, ties by id ascending (bytewise).
    func precedes(_ a: (key: Double, id: String), _ b: (key: Double, id: String)) -> Bool {
        if a.key != b.key { return descending ? a.key > b.key : a.key < b.key }
        return Array(a.id.utf8).lexicographicallyPrecedes(Array(b.id.utf8))
    }

    var description: String { sort.description }
}

/// A search as the generator builds it. `continues` passes the cursor of the previous page (of
/// the same order) if there is one.
struct QuerySpec: Sendable, Hashable, CustomStringConvertible {
    var tags: [String] = []
    var matchAll = false
    var after: Double?
    var before: Double?
    var minCost: Double?
    var maxCost: Double?
    var sort: SortSpec = .updatedDesc
    var limit: Int?
    var continues = false

    func query(cursor: SessionCursor?) -> SessionQuery {
        SessionQuery(
            tags: tags, tagMatch: matchAll ? .all : .any,
            createdAfter: after.map { Date(timeIntervalSince1970: modelEpoch + $0) },
            createdBefore: before.map { Date(timeIntervalSince1970: modelEpoch + $0) },
            minCost: minCost, maxCost: maxCost, sort: sort.sort, limit: limit, cursor: cursor)
    }

    var description: String {
        var parts: [String] = []
        if !tags.isEmpty { parts.append("tags \(tags)\(matchAll ? " all" : " any")") }
        if let after { parts.append("after +\(after)") }
        if let before { parts.append("before +\(before)") }
        if let minCost { parts.append("min \(minCost)") }
        if let maxCost { parts.append("max \(maxCost)") }
        parts.append(sort.description)
        if let limit { parts.append("limit \(limit)") }
        if continues { parts.append("continue") }
        return "{" + parts.joined(separator: ", ") + "}"
    }
}

/// Where the fault-injecting backend fails a write.
typealias FaultMode = WriteFault

/// One operation of a generated sequence. Times are seconds after ``modelEpoch``.
indirect enum ModelOp: Sendable, Hashable, CustomStringConvertible {
    case save(id: String, messages: [MessageSpec], tags: [String], summary: String?, createdAt: Double?, updatedAt: Double?)
    case append(id: String, messages: [MessageSpec], at: Double?)
    case delete(id: String)
    case tag(id: String, add: [String], remove: [String])
    case search(QuerySpec)
    case load(id: String)
    case metadata(id: String)
    case stats
    case advanceClock(seconds: Double)
    /// Advance the clock, then `cleanupOldSessions(maxAge:dryRun:)` with the store's clock.
    case cleanup(advance: Double, maxAge: Double, dryRun: Bool)
    /// Run a write with the next backend write failing: the store actor crashes and restarts.
    case crash(ModelOp, FaultMode)
    /// `shutdown()` and `start` on the same directory; `dropSnapshot` deletes `index.snapshot` in between.
    case reopen(dropSnapshot: Bool)
    /// Compare everything: every session's metadata and messages, the full list, the stats.
    case checkAll

    var description: String {
        func time(_ t: Double?) -> String { t.map { "+\($0)" } ?? "now" }
        switch self {
        case .save(let id, let messages, let tags, let summary, let created, let updated):
            return "save(\(show(id)), \(messages), tags \(tags), summary \(summary?.debugDescription ?? "nil"), created \(time(created)), updated \(time(updated)))"
        case .append(let id, let messages, let at): return "append(\(show(id)), \(messages), at \(time(at)))"
        case .delete(let id): return "delete(\(show(id)))"
        case .tag(let id, let add, let remove): return "tag(\(show(id)), add \(add), remove \(remove))"
        case .search(let query): return "search\(query)"
        case .load(let id): return "load(\(show(id)))"
        case .metadata(let id): return "session(\(show(id)))"
        case .stats: return "stats"
        case .advanceClock(let seconds): return "advanceClock(\(seconds) s)"
        case .cleanup(let advance, let maxAge, let dryRun): return "cleanup(advance \(advance) s, maxAge \(maxAge) s\(dryRun ? ", dry run" : ""))"
        case .crash(let op, let mode): return "crash[\(mode == .beforeWriting ? "before" : "after") log write](\(op))"
        case .reopen(let drop): return drop ? "reopen(without index.snapshot)" : "reopen"
        case .checkAll: return "checkAll"
        }
    }
}

/// What an operation answered: compared between the model and the store after every step.
enum Observation: Equatable, CustomStringConvertible {
    case error(code: String)
    case metadata(SessionMetadata)
    case done
    case session(SessionMetadata, [Message])
    case page([SessionMetadata], hasMore: Bool)
    case cleanup(cutoff: Date, [SessionMetadata])
    case stats(StatsSummary)

    var description: String {
        switch self {
        case .error(let code): "error \(code)"
        case .metadata(let m): describe(m)
        case .done: "ok"
        case .session(let m, let messages): "\(describe(m)) with \(messages.count) messages \(messages.map { String(decoding: $0.serialized(), as: UTF8.self) })"
        case .page(let list, let more): "page \(list.map(describe)) \(more ? "+ cursor" : "(last)")"
        case .cleanup(let cutoff, let list): "cleanup cutoff +\(cutoff.timeIntervalSince1970 - modelEpoch) deleted \(list.map(describe))"
        case .stats(let stats): "\(stats)"
        }
    }
}

/// The parts of ``StoreStats`` the model can predict.
struct StatsSummary: Equatable, CustomStringConvertible {
    var sessions: Int
    var messages: Int
    var bytes: Int
    var cost: Double
    var tags: [String: Int]
    var oldest: Date?
    var newest: Date?

    var description: String {
        "stats(\(sessions) sessions, \(messages) messages, \(bytes) bytes, cost \(cost), tags \(tags.sorted { $0.key < $1.key }), "
            + "updated \(oldest.map { "+\($0.timeIntervalSince1970 - modelEpoch)" } ?? "-")...\(newest.map { "+\($0.timeIntervalSince1970 - modelEpoch)" } ?? "-"))"
    }
}

/// An id for failure reports: long runs of one character are shortened (`"L×200"`).
func show(_ id: String) -> String {
    if id.count > 20, let first = id.first, id.allSatisfy({ $0 == first }) { return "\"\(first)×\(id.count)\"" }
    return id.debugDescription
}

func describe(_ m: SessionMetadata) -> String {
    "\(show(m.id))[created +\(m.createdAt.timeIntervalSince1970 - modelEpoch), updated +\(m.updatedAt.timeIntervalSince1970 - modelEpoch), "
        + "\(m.messageCount) msgs, cost \(m.totalCostUSD), turns \(m.turnCount), tags \(m.tags), summary \(m.summary?.debugDescription ?? "nil"), "
        + "model \(m.model ?? "nil"), \(m.byteSize) B]"
}

/// The model store.
struct StoreModel {
    struct Entry {
        var metadata: SessionMetadata
        var messages: [Message]
    }

    var sessions: [String: Entry] = [:]
    /// Seconds after ``modelEpoch``: the store's `Configuration.now`.
    var now = 0.0

    static func date(_ t: Double) -> Date { Date(timeIntervalSince1970: modelEpoch + t) }

    // MARK: Rules

    /// The documented id rules (Docs/StorageFormat.md, DESIGN §5), written out independently.
    static func idIsValid(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        if bytes.isEmpty || bytes.count > 200 || bytes.first == UInt8(ascii: ".") { return false }
        if bytes.contains(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "\\") || $0 < 0x20 || $0 == 0x7F }) { return false }
        if id.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.value == 0x202E }) { return false }
        if Array(id.precomposedStringWithCanonicalMapping.utf8) != bytes { return false }
        let stem = String(id.prefix { $0 != "." }).uppercased()
        let reserved = ["CON", "PRN", "AUX", "NUL"] + (1...9).flatMap { ["COM\($0)", "LPT\($0)"] }
        if reserved.contains(stem) { return false }
        return !id.hasSuffix(" ")
    }

    static func tagIsValid(_ tag: String) -> Bool {
        !tag.isEmpty && tag.count <= 100 && !tag.unicodeScalars.contains { $0.properties.generalCategory == .control }
            && tag.trimmingCharacters(in: .whitespaces) == tag
    }

    static func byteSize(_ messages: [Message]) -> Int { messages.reduce(0) { $0 + $1.serialized().count + 1 } }

    // MARK: Operations

    /// Whether `op` (valid, on this state) makes the store write to its backend.
    func writes(_ op: ModelOp) -> Bool {
        switch op {
        case .save(let id, _, let tags, _, _, _): Self.idIsValid(id) && tags.allSatisfy(Self.tagIsValid)
        case .append(let id, _, _), .delete(let id): Self.idIsValid(id) && sessions[id] != nil
        case .tag(let id, let add, _): Self.idIsValid(id) && add.allSatisfy(Self.tagIsValid) && sessions[id] != nil
        case .cleanup(let advance, let maxAge, let dryRun):
            !dryRun && sessions.values.contains { $0.metadata.updatedAt < Self.date(now + advance - maxAge) }
        default: false
        }
    }

    /// The documented cost rule, written out plainly: each agent run (a `system`/`init` line
    /// starts one) contributes its last result's cost; the runs add up.
    static func runCost(_ messages: [Message]) -> Double {
        var runs: [[Message]] = [[]]
        for message in messages {
            if message.type == "system", message.subtype == "init", !runs[runs.count - 1].isEmpty { runs.append([]) }
            runs[runs.count - 1].append(message)
        }
        return runs.reduce(0) { $0 + Session.calculateCost($1) }
    }

    /// Applies `op` and returns what the store must answer.
    mutating func apply(_ op: ModelOp, cursor: (sort: SortSpec, key: Double, id: String)?) -> Observation {
        switch op {
        case .save(let id, let specs, let tags, let summary, let created, let updated):
            guard Self.idIsValid(id) else { return .error(code: "invalid_id") }
            guard tags.allSatisfy(Self.tagIsValid) else { return .error(code: "invalid_tag") }
            let messages = specs.map(\.message)
            let facts = Session.summarize(messages)
            let metadata = SessionMetadata(
                id: id, createdAt: sessions[id]?.metadata.createdAt ?? Self.date(created ?? now),
                updatedAt: Self.date(updated ?? now), messageCount: messages.count, totalCostUSD: Self.runCost(messages),
                turnCount: facts.turns.assistantMessages, tags: tags, summary: summary ?? facts.summary, model: facts.model,
                byteSize: Self.byteSize(messages))
            sessions[id] = Entry(metadata: metadata, messages: messages)
            return .metadata(metadata)

        case .append(let id, let specs, let at):
            guard Self.idIsValid(id) else { return .error(code: "invalid_id") }
            guard var entry = sessions[id] else { return .error(code: "not_found") }
            let messages = specs.map(\.message)
            let facts = Session.summarize(messages)
            entry.metadata.updatedAt = Self.date(at ?? now)
            entry.metadata.messageCount += messages.count
            entry.metadata.byteSize += Self.byteSize(messages)
            entry.metadata.turnCount += facts.turns.assistantMessages
            entry.metadata.totalCostUSD = Self.runCost(entry.messages + messages)
            if entry.metadata.model == nil { entry.metadata.model = facts.model }
            if entry.metadata.summary == nil { entry.metadata.summary = facts.summary }
            entry.messages += messages
            sessions[id] = entry
            return .metadata(entry.metadata)

        case .delete(let id):
            guard Self.idIsValid(id) else { return .error(code: "invalid_id") }
            guard sessions.removeValue(forKey: id) != nil else { return .error(code: "not_found") }
            return .done

        case .tag(let id, let add, let remove):
            guard Self.idIsValid(id) else { return .error(code: "invalid_id") }
            guard add.allSatisfy(Self.tagIsValid) else { return .error(code: "invalid_tag") }
            guard var entry = sessions[id] else { return .error(code: "not_found") }
            entry.metadata.tags = Array(Set(entry.metadata.tags).union(add).subtracting(remove)).sorted()
            sessions[id] = entry
            return .metadata(entry.metadata)

        case .search(let query):
            let page = search(query, after: query.continues ? cursor : nil)
            return .page(page.sessions, hasMore: page.hasMore)

        case .load(let id):
            guard let entry = sessions[id] else { return .error(code: "not_found") }
            return .session(entry.metadata, entry.messages)

        case .metadata(let id):
            guard let entry = sessions[id] else { return .error(code: "not_found") }
            return .metadata(entry.metadata)

        case .stats:
            return .stats(stats)

        case .advanceClock(let seconds):
            now += seconds
            return .done

        case .cleanup(let advance, let maxAge, let dryRun):
            now += advance
            let cutoff = Self.date(now - maxAge)
            let old = sessions.values.map(\.metadata).filter { $0.updatedAt < cutoff }.sorted {
                SortSpec.updatedAsc.precedes((SortSpec.updatedAsc.key($0), $0.id), (SortSpec.updatedAsc.key($1), $1.id))
            }
            if !dryRun { for m in old { sessions[m.id] = nil } }
            return .cleanup(cutoff: cutoff, old)

        case .crash(let inner, let mode):
            guard writes(inner) else { return apply(inner, cursor: cursor) }
            if mode == .afterWriting { _ = apply(inner, cursor: cursor) } else if case .cleanup(let advance, _, _) = inner {
                now += advance  // the clock moved even though the cleanup failed
            }
            return .error(code: "storage_failure")

        case .reopen, .checkAll:
            return .done
        }
    }

    /// Brute force: filter everything, sort everything, skip to the cursor, cut to the limit.
    func search(_ query: QuerySpec, after cursor: (sort: SortSpec, key: Double, id: String)?) -> (sessions: [SessionMetadata], hasMore: Bool) {
        let sort = query.sort
        var matching = sessions.values.map(\.metadata).filter { m in
            if !query.tags.isEmpty {
                if query.matchAll ? !query.tags.allSatisfy(m.tags.contains) : !query.tags.contains(where: m.tags.contains) { return false }
            }
            if let after = query.after, m.createdAt < Self.date(after) { return false }
            if let before = query.before, !(m.createdAt < Self.date(before)) { return false }
            if let minCost = query.minCost, m.totalCostUSD < minCost { return false }
            if let maxCost = query.maxCost, m.totalCostUSD > maxCost { return false }
            return true
        }
        matching.sort { sort.precedes((sort.key($0), $0.id), (sort.key($1), $1.id)) }
        if let cursor, cursor.sort == sort {
            matching = matching.filter { sort.precedes((cursor.key, cursor.id), (sort.key($0), $0.id)) }
        }
        let limit = query.limit.map { max(0, $0) } ?? Int.max
        if limit == 0 { return ([], false) }
        let page = Array(matching.prefix(limit))
        return (page, matching.count > page.count)
    }

    var stats: StatsSummary {
        var tags: [String: Int] = [:]
        for entry in sessions.values { for tag in entry.metadata.tags { tags[tag, default: 0] += 1 } }
        let all = sessions.values.map(\.metadata)
        return StatsSummary(
            sessions: all.count, messages: all.reduce(0) { $0 + $1.messageCount }, bytes: all.reduce(0) { $0 + $1.byteSize },
            cost: all.reduce(0) { $0 + $1.totalCostUSD }, tags: tags,
            oldest: all.map(\.updatedAt).min(), newest: all.map(\.updatedAt).max())
    }
}
