import Foundation
import Testing
@testable import AgentSessions
import TestSupport

@Suite("SessionIndex: pure search, list and ordering")
struct SessionIndexTests {
    /// 200 sessions with deterministic fields, and a brute-force reference for every query.
    static let records: [SessionMetadata] = (0..<200).map { i in
        let tags = ["a", "b", "c", "d"].enumerated().filter { (i >> $0.offset) & 1 == 1 || i % 7 == $0.offset }.map(\.element)
        return metadata("s\(String(format: "%03d", (i * 37) % 200))", created: Double(1_000 + (i * 13) % 97),
                        updated: Double(2_000 + (i * 29) % 50), cost: Double(i % 11) / 10, tags: tags)
    }

    static func reference(_ query: SessionQuery, _ records: [SessionMetadata]) -> [String] {
        records.filter { query.matches(FilterFields($0)) }
            .sorted { query.sort.precedes((query.sort.key($0), $0.id), (query.sort.key($1), $1.id)) }
            .prefix(query.limit ?? .max).map(\.id)
    }

    static let queries: [SessionQuery] = [
        SessionQuery(),
        SessionQuery(tags: ["a"]),
        SessionQuery(tags: ["a", "b"], tagMatch: .all),
        SessionQuery(tags: ["c", "d"], tagMatch: .any),
        SessionQuery(tags: ["zzz"]),
        SessionQuery(createdAfter: Date(timeIntervalSince1970: 1_020), createdBefore: Date(timeIntervalSince1970: 1_050)),
        SessionQuery(minCost: 0.3, maxCost: 0.5),
        SessionQuery(tags: ["a"], minCost: 0.5, sort: .costDescending, limit: 7),
        SessionQuery(limit: 10),
        SessionQuery(tags: ["b"], sort: .updatedAtAscending, limit: 5),
        SessionQuery(createdAfter: Date(timeIntervalSince1970: 1_090), sort: .createdAtDescending, limit: 3),
        SessionQuery(tags: ["a", "b", "c"], maxCost: 0.2, limit: 50),
    ]

    @Test("every query agrees with a brute-force filter and sort", arguments: queries)
    func agreesWithReference(_ query: SessionQuery) {
        let index = SessionIndex(Self.records)
        #expect(index.search(query).sessions.map(\.id) == Self.reference(query, Self.records))
    }

    @Test("paging with a cursor returns every match exactly once, in order", arguments: [
        SessionQuery(limit: 7), SessionQuery(tags: ["a"], limit: 9), SessionQuery(sort: .costAscending, limit: 11),
        SessionQuery(tags: ["c", "d"], sort: .createdAtDescending, limit: 4),
    ])
    func paging(_ first: SessionQuery) {
        let index = SessionIndex(Self.records)
        var query = first
        var seen: [String] = []
        for _ in 0..<200 {
            let page = index.search(query)
            seen += page.sessions.map(\.id)
            guard let cursor = page.nextCursor else { break }
            query.cursor = SessionCursor(cursor.description)  // through its string form, as the CLI does
            #expect(query.cursor != nil)
        }
        var all = first
        all.limit = nil
        #expect(seen == Self.reference(all, Self.records))
    }

    @Test("bounds: createdAfter inclusive, createdBefore exclusive, costs inclusive")
    func bounds() {
        let index = SessionIndex([metadata("x", created: 10, cost: 0.5), metadata("y", created: 20, cost: 1.0)])
        let at = { (t: Double) in Date(timeIntervalSince1970: t) }
        #expect(index.search(SessionQuery(createdAfter: at(10))).sessions.map(\.id).sorted() == ["x", "y"])
        #expect(index.search(SessionQuery(createdBefore: at(20))).sessions.map(\.id) == ["x"])
        #expect(index.search(SessionQuery(minCost: 0.5, maxCost: 1.0)).sessions.count == 2)
        #expect(index.search(SessionQuery(minCost: 0.51, maxCost: 0.99)).sessions.isEmpty)
    }

    @Test("upsert moves a record in every ordered structure; remove unlinks it")
    func updates() {
        var index = SessionIndex(Self.records)
        var moved = Self.records[0]
        moved.updatedAt = Date(timeIntervalSince1970: 9_999)
        moved.tags = ["new"]
        moved.totalCostUSD = 42
        index.upsert(moved)
        #expect(index.search(SessionQuery(limit: 1)).sessions.first?.id == moved.id)
        #expect(index.search(SessionQuery(tags: ["new"])).sessions.map(\.id) == [moved.id])
        #expect(index.search(SessionQuery(sort: .costDescending, limit: 1)).sessions.first?.id == moved.id)
        #expect(index.count == Self.records.count)
        #expect(index.remove(moved.id) != nil)
        #expect(index.search(SessionQuery(tags: ["new"])).sessions.isEmpty)
        #expect(index.tagCounts["new"] == nil)
        #expect(index.count == Self.records.count - 1)
        var reference = Self.records
        reference.removeFirst()
        #expect(index.search(SessionQuery()).sessions.map(\.id) == Self.reference(SessionQuery(), reference))
    }

    @Test("3,000 random upserts changing some fields (some none) and removes: every query still agrees with brute force")
    func randomUpdates() {
        var random = SplitMix64(state: 0x1DE5)
        var index = SessionIndex(Self.records)
        var model = Dictionary(uniqueKeysWithValues: Self.records.map { ($0.id, $0) })
        let tagPool = ["a", "b", "c", "d", "e"]
        for step in 0..<3_000 {
            let id = "s\(String(format: "%03d", random.below(230)))"
            if random.below(10) == 0 {
                #expect(index.remove(id)?.id == model.removeValue(forKey: id)?.id)
                continue
            }
            var m = model[id] ?? metadata(id, created: Double(1_000 + random.below(97)), tags: ["a"])
            if random.below(2) == 0 { m.updatedAt = Date(timeIntervalSince1970: Double(2_000 + random.below(60))) }
            if random.below(4) == 0 { m.createdAt = Date(timeIntervalSince1970: Double(1_000 + random.below(97))) }
            if random.below(4) == 0 { m.totalCostUSD = Double(random.below(11)) / 10 }
            if random.below(4) == 0 { m.tags = tagPool.filter { _ in random.below(3) == 0 } }
            m.messageCount += 1
            index.upsert(m)
            model[id] = m
            if step % 500 == 499 {
                for query in Self.queries {
                    #expect(index.search(query).sessions.map(\.id) == Self.reference(query, Array(model.values)), "\(query)")
                }
            }
        }
        #expect(index.count == model.count)
        #expect(index.tagCounts == model.values.reduce(into: [:]) { counts, m in for tag in m.tags { counts[tag, default: 0] += 1 } })
        #expect(index[Array(model.keys)[0]] == model[Array(model.keys)[0]])
    }

    @Test("sparse tags, where the tag plan is chosen: a union with each row once, one tag for all, with and without a cursor, agree with brute force")
    func sparseTags() {
        // 300 sessions; "x" on 20, "y" on 30 (10 of them also "x"): far under a third, so the tag plan wins.
        let records = (0..<300).map { i in
            let tags = (i % 15 == 0 ? ["x"] : []) + (i % 10 == 0 ? ["y"] : []) + ["all"]
            return metadata("r\(String(format: "%03d", (i * 7) % 300))", created: Double(1_000 + i % 13),
                            updated: Double(2_000 + i % 9), cost: Double(i % 5) / 10, tags: tags)
        }
        let index = SessionIndex(records)
        let queries = [
            SessionQuery(tags: ["x", "y"]), SessionQuery(tags: ["y", "x", "y"]), SessionQuery(tags: ["x"]),
            SessionQuery(tags: ["x", "x"], tagMatch: .all), SessionQuery(tags: ["x", "y"], tagMatch: .all),
            SessionQuery(tags: ["x", "y"], maxCost: 0.2), SessionQuery(tags: ["x", "y"], sort: .costDescending, limit: 7),
        ]
        for query in queries {
            #expect(index.search(query).sessions.map(\.id) == Self.reference(query, records), "\(query)")
            var paged: [String] = []
            var page = SessionQuery(tags: query.tags, tagMatch: query.tagMatch, maxCost: query.maxCost, sort: query.sort, limit: 4)
            for _ in 0...records.count {  // a cursor that repeats a page fails the check below instead of hanging
                let result = index.search(page)
                paged += result.sessions.map(\.id)
                guard let next = result.nextCursor else { break }
                page.cursor = next
            }
            #expect(paged == Self.reference(SessionQuery(tags: query.tags, tagMatch: query.tagMatch, maxCost: query.maxCost, sort: query.sort), records), "paged \(query)")
        }
    }

    @Test("updated(before:) returns exactly the sessions older than the cutoff")
    func cutoff() {
        let index = SessionIndex(Self.records)
        let cutoff = Date(timeIntervalSince1970: 2_025)
        #expect(Set(index.updated(before: cutoff).map(\.id)) == Set(Self.records.filter { $0.updatedAt < cutoff }.map(\.id)))
    }

    @Test("a cursor that is not one is rejected", arguments: ["", "!!!", "bm90LWEtY3Vyc29y"])
    func badCursor(_ text: String) {
        #expect(SessionCursor(text) == nil)
    }
}

extension SessionQuery: CustomTestStringConvertible {
    /// The query's fields in one short line, for test-case names.
    public var testDescription: String {
        "tags=\(tags) \(tagMatch.requiresAll ? "all" : "any") sort=\(sort) limit=\(limit.map(String.init) ?? "-")"
    }
}
