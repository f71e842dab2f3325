import AgentSessions
import Foundation

/// The benchmark input of one corpus (WORKLOAD.md §1), read into memory before any timer starts.
///
/// `workload.json` and the ops files are always read; the manifest's transcripts only when the
/// process ingests (the read process never needs them, so its peak RSS is the store's).
struct Workload {
    struct Query {
        var name: String
        var query: SessionQuery
        var expectedMatches: Int
    }

    struct Entry {
        var id: String
        var transcript: [UInt8]
        var tags: [String]
        var createdAt: Date
        var updatedAt: Date
    }

    struct Append {
        var id: String
        var at: Date
        /// The message's compact JSON text, as it appears in `append.jsonl`.
        var message: [UInt8]
    }

    var sessions: Int
    var now: Date
    var cleanupMaxAgeDays: Int
    var expectedDeletedAfterAppend: Int
    var expectedLoadBeforeAppend: Int
    var expectedLoadAfterAppend: Int
    var appendCount: Int
    var searchIterations: Int
    var searchBudgetSeconds: Double
    var searchMinIterations: Int
    var pageLimit: Int
    var pageIterations: Int
    var fullIterations: Int
    var queries: [Query]
    var loadIDs: [String] = []
    var manifest: [Entry] = []
    var appends: [Append] = []

    /// The number of messages (lines) over all transcripts in the manifest.
    var manifestMessages: Int {
        manifest.reduce(0) { total, entry in total + entry.transcript.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) } }
    }

    /// Reads `workload.json` and `ops/load_ids.txt`; with `transcripts`, also the manifest and every
    /// transcript; with `appends`, also `ops/append.jsonl`.
    init(corpus: String, transcripts: Bool, appends readAppends: Bool) throws(BenchError) {
        let root = try Self.object(Bench.readFile(corpus + "/workload.json"), "workload.json")
        func field(_ path: String...) throws(BenchError) -> JSONValue {
            var value: JSONValue? = root
            for key in path { value = value?[key] }
            guard let value else { throw BenchError("workload.json lacks \(path.joined(separator: "."))") }
            return value
        }
        func int(_ path: String...) throws(BenchError) -> Int {
            var value: JSONValue? = root
            for key in path { value = value?[key] }
            guard let n = value?.intValue else { throw BenchError("workload.json: \(path.joined(separator: ".")) is not an integer") }
            return n
        }
        sessions = try int("sessions")
        guard let nowText = try field("now").stringValue, let now = ISO8601Timestamp.parse(nowText) else {
            throw BenchError("workload.json: bad now")
        }
        self.now = now
        cleanupMaxAgeDays = try int("cleanup_max_age_days")
        expectedDeletedAfterAppend = try int("cleanup", "expected_deleted_after_append")
        expectedLoadBeforeAppend = try int("ops", "expected_load_messages_before_append")
        expectedLoadAfterAppend = try int("ops", "expected_load_messages_after_append")
        appendCount = try int("ops", "count")
        searchIterations = try int("search", "iterations")
        guard let budget = try field("search", "budget_seconds").doubleValue else { throw BenchError("workload.json: bad search.budget_seconds") }
        searchBudgetSeconds = budget
        searchMinIterations = try int("search", "min_iterations")
        pageLimit = try int("list", "page_limit")
        pageIterations = try int("list", "page_iterations")
        fullIterations = try int("list", "full_iterations")
        guard let queryValues = try field("queries").arrayValue, !queryValues.isEmpty else { throw BenchError("workload.json: no queries") }
        queries = []
        for value in queryValues { queries.append(try Self.query(value)) }

        for line in Bench.lines(try Bench.readFile(corpus + "/ops/load_ids.txt")) {
            loadIDs.append(String(decoding: line, as: UTF8.self))
        }
        if readAppends {
            for line in Bench.lines(try Bench.readFile(corpus + "/ops/append.jsonl")) {
                let object = try Self.object(Array(line), "ops/append.jsonl")
                guard let id = object["session_id"]?.stringValue, let atText = object["at"]?.stringValue,
                      let at = ISO8601Timestamp.parse(atText), let message = object["message"], message.objectValue != nil
                else { throw BenchError("ops/append.jsonl: bad line \(String(decoding: line.prefix(120), as: UTF8.self))") }
                appends.append(Append(id: id, at: at, message: message.serialized()))
            }
            guard appends.count == appendCount else { throw BenchError("ops/append.jsonl has \(appends.count) lines, ops.count is \(appendCount)") }
        }
        if transcripts {
            for line in Bench.lines(try Bench.readFile(corpus + "/manifest.jsonl")) {
                let object = try Self.object(Array(line), "manifest.jsonl")
                guard let id = object["session_id"]?.stringValue, let file = object["file"]?.stringValue,
                      let tags = object["tags"]?.arrayValue?.compactMap(\.stringValue),
                      let created = object["created_at"]?.stringValue.flatMap(ISO8601Timestamp.parse),
                      let updated = object["updated_at"]?.stringValue.flatMap(ISO8601Timestamp.parse)
                else { throw BenchError("manifest.jsonl: bad line \(String(decoding: line.prefix(120), as: UTF8.self))") }
                manifest.append(Entry(id: id, transcript: try Bench.readFile(corpus + "/" + file), tags: tags,
                                      createdAt: created, updatedAt: updated))
            }
            guard manifest.count == sessions else { throw BenchError("manifest has \(manifest.count) lines, workload.json says \(sessions)") }
        }
    }

    private static func object(_ bytes: [UInt8], _ what: String) throws(BenchError) -> JSONValue {
        do {
            let value = try JSONValue(parsing: bytes)
            guard value.objectValue != nil else { throw BenchError("\(what): not a JSON object") }
            return value
        } catch let error as BenchError {
            throw error
        } catch {
            throw BenchError("\(what): \(error)")
        }
    }

    /// Maps one `queries[]` entry to a ``SessionQuery`` (WORKLOAD.md §5, search).
    private static func query(_ value: JSONValue) throws(BenchError) -> Query {
        guard let name = value["name"]?.stringValue, let expected = value["expected_matches"]?.intValue else {
            throw BenchError("workload.json: query without name or expected_matches: \(value.jsonString)")
        }
        var query = SessionQuery()
        let all = value["tags_all"]?.arrayValue?.compactMap(\.stringValue)
        let any = value["tags_any"]?.arrayValue?.compactMap(\.stringValue)
        switch (all, any) {
        case (let all?, nil): query.tags = all; query.tagMatch = .all
        case (nil, let any?): query.tags = any; query.tagMatch = .any
        case (nil, nil): break
        default: throw BenchError("query \(name): tags_all together with tags_any is not expressible as one SessionQuery")
        }
        if let text = value["created_after"]?.stringValue {
            guard let date = ISO8601Timestamp.parse(text) else { throw BenchError("query \(name): bad created_after") }
            query.createdAfter = date  // inclusive, as the workload asks
        }
        if let text = value["created_before"]?.stringValue {
            guard let date = ISO8601Timestamp.parse(text) else { throw BenchError("query \(name): bad created_before") }
            query.createdBefore = date  // exclusive
        }
        query.minCost = value["min_cost"]?.doubleValue
        query.maxCost = value["max_cost"]?.doubleValue
        if let sort = value["sort"]?.stringValue {
            guard sort == "updated_at_desc" else { throw BenchError("query \(name): unknown sort \(sort)") }
            query.sort = .updatedAtDescending
        }
        query.limit = value["limit"]?.intValue
        let known: Set<String> = ["name", "tags_all", "tags_any", "created_after", "created_before", "min_cost", "max_cost",
                                  "sort", "limit", "expected_total", "expected_matches"]
        if let unknown = value.objectValue?.keys.first(where: { !known.contains($0) }) {
            throw BenchError("query \(name): unknown field \(unknown)")
        }
        return Query(name: name, query: query, expectedMatches: expected)
    }
}
