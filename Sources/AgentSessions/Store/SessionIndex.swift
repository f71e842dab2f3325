import Foundation

/// The in-memory index of every stored session's metadata: the ETS table of the design.
///
/// A pure value with no I/O: the store keeps one behind a lock and applies every acknowledged
/// change to it. Besides the id → metadata map it keeps a tag → ids inverted index and
/// sorted `(key, id)` arrays by `updatedAt`, `createdAt` and cost, so that a search starts
/// from its most selective field and its cost grows with the number of matches rather than
/// with the number of sessions.
struct SessionIndex: Sendable {
    private(set) var records: [String: SessionMetadata] = [:]
    private var byTag: [String: Set<String>] = [:]
    private var byUpdated = SortedKeys()
    private var byCreated = SortedKeys()
    private var byCost = SortedKeys()

    init() {}

    /// Builds an index from records in any order (duplicate ids: the last one wins).
    init(_ all: some Sequence<SessionMetadata>) {
        for record in all { records[record.id] = record }
        var updated: [SortedKeys.Element] = [], created: [SortedKeys.Element] = [], cost: [SortedKeys.Element] = []
        updated.reserveCapacity(records.count)
        created.reserveCapacity(records.count)
        cost.reserveCapacity(records.count)
        for record in records.values {
            updated.append(.init(key: record.updatedAt.timeIntervalSince1970, id: record.id))
            created.append(.init(key: record.createdAt.timeIntervalSince1970, id: record.id))
            cost.append(.init(key: record.totalCostUSD, id: record.id))
            for tag in record.tags { byTag[tag, default: []].insert(record.id) }
        }
        byUpdated.reset(updated)
        byCreated.reset(created)
        byCost.reset(cost)
    }

    var count: Int { records.count }

    subscript(id: String) -> SessionMetadata? { records[id] }

    /// Inserts or replaces the record with `metadata.id`.
    mutating func upsert(_ metadata: SessionMetadata) {
        if let old = records[metadata.id] { unlink(old) }
        records[metadata.id] = metadata
        byUpdated.insert(key: metadata.updatedAt.timeIntervalSince1970, id: metadata.id)
        byCreated.insert(key: metadata.createdAt.timeIntervalSince1970, id: metadata.id)
        byCost.insert(key: metadata.totalCostUSD, id: metadata.id)
        for tag in metadata.tags { byTag[tag, default: []].insert(metadata.id) }
    }

    /// Removes the record with this id; returns it, or `nil` if there was none.
    @discardableResult
    mutating func remove(_ id: String) -> SessionMetadata? {
        guard let old = records.removeValue(forKey: id) else { return nil }
        unlink(old)
        return old
    }

    private mutating func unlink(_ old: SessionMetadata) {
        byUpdated.remove(key: old.updatedAt.timeIntervalSince1970, id: old.id)
        byCreated.remove(key: old.createdAt.timeIntervalSince1970, id: old.id)
        byCost.remove(key: old.totalCostUSD, id: old.id)
        for tag in old.tags {
            byTag[tag]?.remove(old.id)
            if byTag[tag]?.isEmpty == true { byTag[tag] = nil }
        }
    }

    /// Every tag in use with the number of sessions carrying it.
    var tagCounts: [String: Int] { byTag.mapValues(\.count) }

    /// The sessions not updated since `cutoff` (`updatedAt < cutoff`), oldest first.
    func updated(before cutoff: Date) -> [SessionMetadata] {
        let end = byUpdated.position(ofKey: cutoff.timeIntervalSince1970, strict: false)
        return (0..<end).compactMap { records[byUpdated[$0].id] }
    }

    /// Runs a query. See ``SessionQuery`` for the semantics.
    func search(_ query: SessionQuery) -> SessionPage {
        let limit = query.limit.map { max(0, $0) } ?? Int.max
        if limit == 0 { return SessionPage(sessions: [], nextCursor: nil) }
        let cursor = query.cursor.flatMap { $0.sort == query.sort ? $0 : nil }
        let plan = candidatePlan(query)
        // With a large candidate set, walking the records in the (already sorted) order of the
        // query and stopping at the limit beats collecting and sorting every candidate.
        if plan.count > records.count / 3 {
            return walk(query, limit: limit, cursor: cursor)
        }
        var matches: [SessionMetadata] = []
        var keys: [Double] = []
        matches.reserveCapacity(min(plan.count, 4096))
        keys.reserveCapacity(min(plan.count, 4096))
        plan.forEach { id in
            guard let record = records[id], query.matches(record) else { return }
            let key = query.sort.key(record)
            if let cursor, !query.sort.precedes((cursor.key, cursor.id), (key, id)) { return }
            matches.append(record)
            keys.append(key)
        }
        // Order indices, not the records themselves (a record is ~100 bytes to move). The
        // comparator captures immutable copies: captured `var`s cost an exclusivity check per access.
        var order = Array(matches.indices)
        let descending = query.sort.descending
        let sortKeys = keys, found = matches
        let precedes = { (a: Int, b: Int) -> Bool in
            let ka = sortKeys[a], kb = sortKeys[b]
            if ka != kb { return descending ? ka > kb : ka < kb }
            return found[a].id.utf8.lexicographicallyPrecedes(found[b].id.utf8)  // ties only
        }
        if limit < matches.count / 4 {
            order = Self.smallest(limit, of: order, by: precedes)
        } else {
            order.sort(by: precedes)
            if order.count > limit { order.removeLast(order.count - limit) }
        }
        let more = matches.count > order.count
        return SessionPage(
            sessions: order.map { matches[$0] },
            nextCursor: more ? order.last.map { SessionCursor(sort: query.sort, key: keys[$0], id: matches[$0].id) } : nil
        )
    }

    /// The first `limit` of `items` in the order `precedes`, by bounded insertion into a sorted buffer.
    private static func smallest(_ limit: Int, of items: [Int], by precedes: (Int, Int) -> Bool) -> [Int] {
        var best: [Int] = []
        best.reserveCapacity(limit + 1)
        for item in items {
            if best.count == limit, let last = best.last, !precedes(item, last) { continue }
            var low = 0, high = best.count
            while low < high {
                let mid = (low + high) / 2
                if precedes(best[mid], item) { low = mid + 1 } else { high = mid }
            }
            best.insert(item, at: low)
            if best.count > limit { best.removeLast() }
        }
        return best
    }

    /// The most selective source of candidate ids for a query.
    private struct Plan {
        var count: Int
        var forEach: ((String) -> Void) -> Void
    }

    private func candidatePlan(_ query: SessionQuery) -> Plan {
        var best = Plan(count: records.count) { body in for id in records.keys { body(id) } }
        func consider(_ plan: Plan) { if plan.count < best.count { best = plan } }
        if !query.tags.isEmpty {
            let sets = query.tags.map { byTag[$0] ?? [] }
            if query.tagMatch.requiresAll {
                let smallest = sets.min { $0.count < $1.count } ?? []
                consider(Plan(count: smallest.count) { body in smallest.forEach(body) })
            } else {
                // A union without a `seen` set: an id is visited from the first listed tag it carries.
                let total = sets.reduce(0) { $0 + $1.count }
                let tags = query.tags
                consider(Plan(count: total) { body in
                    for (i, set) in sets.enumerated() {
                        for id in set {
                            if i > 0, let record = records[id], tags[..<i].contains(where: record.tags.contains) { continue }
                            body(id)
                        }
                    }
                })
            }
        }
        if query.createdAfter != nil || query.createdBefore != nil {
            consider(rangePlan(byCreated, from: query.createdAfter?.timeIntervalSince1970, fromStrict: false,
                               to: query.createdBefore?.timeIntervalSince1970, toStrict: false))
        }
        if query.minCost != nil || query.maxCost != nil {
            consider(rangePlan(byCost, from: query.minCost, fromStrict: false, to: query.maxCost, toStrict: true))
        }
        return best
    }

    /// Candidates whose key lies in [from, to) (or [from, to] when `toStrict`).
    private func rangePlan(_ keys: SortedKeys, from: Double?, fromStrict: Bool, to: Double?, toStrict: Bool) -> Plan {
        let start = from.map { keys.position(ofKey: $0, strict: fromStrict) } ?? 0
        let end = to.map { keys.position(ofKey: $0, strict: toStrict) } ?? keys.count
        let range = start..<max(start, end)
        return Plan(count: range.count) { body in keys.forEach(in: range) { body($0.id) } }
    }

    /// Walks the records in the query's sort order, from the cursor, until `limit` matches
    /// and one more (so a cursor is returned only when another page exists).
    private func walk(_ query: SessionQuery, limit: Int, cursor: SessionCursor?) -> SessionPage {
        let keys: SortedKeys
        switch query.sort.field {
        case .updatedAt: keys = byUpdated
        case .createdAt: keys = byCreated
        case .cost: keys = byCost
        }
        var result: [SessionMetadata] = []
        result.reserveCapacity(min(limit, records.count))
        // Returns false once a match beyond the limit shows there is a next page.
        func visit(_ i: Int) -> Bool {
            guard let record = records[keys[i].id], query.matches(record) else { return true }
            if result.count == limit { return false }
            result.append(record)
            return true
        }
        // Ascending arrays with ties by id ascending; a descending walk goes backwards through
        // the keys but must still visit each run of equal keys with ids ascending.
        var position = query.sort.descending ? keys.count - 1 : 0
        if let cursor {
            position = query.sort.descending
                ? keys.position(ofKey: cursor.key, strict: false) - 1
                : keys.position(ofKey: cursor.key, strict: true)
            // Records sharing the cursor's key, after the cursor's id.
            for i in keys.position(ofKey: cursor.key, strict: false)..<keys.position(ofKey: cursor.key, strict: true)
            where cursor.id.utf8.lexicographicallyPrecedes(keys[i].id.utf8) {
                if !visit(i) { return page(result, query) }
            }
        }
        while position >= 0 && position < keys.count {
            let key = keys[position].key
            var low = position, high = position
            if query.sort.descending {
                while low > 0 && keys[low - 1].key == key { low -= 1 }
            } else {
                while high + 1 < keys.count && keys[high + 1].key == key { high += 1 }
            }
            for i in low...high where !visit(i) { return page(result, query) }
            position = query.sort.descending ? low - 1 : high + 1
        }
        return SessionPage(sessions: result, nextCursor: nil)
    }

    private func page(_ result: [SessionMetadata], _ query: SessionQuery) -> SessionPage {
        let last = result.last.map { SessionCursor(sort: query.sort, key: query.sort.key($0), id: $0.id) }
        return SessionPage(sessions: result, nextCursor: last)
    }
}
