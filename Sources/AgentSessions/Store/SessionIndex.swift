import Foundation
import Synchronization

/// The in-memory index of every stored session's metadata: the ETS table of the design.
///
/// A pure value with no I/O: the store keeps one behind a lock and applies every acknowledged
/// change to it. Besides the id → row map it keeps a tag → rows inverted index and
/// sorted `(key, row)` sequences by `updatedAt`, `createdAt` and cost, so that a search starts
/// from its most selective field and its cost grows with the number of matches rather than
/// with the number of sessions.
struct SessionIndex: Sendable {
    /// Records by row; a deleted record's row holds ``vacant`` (and its filter fields
    /// ``vacantFilters``) until the next insert reuses it.
    /// Everything else refers to rows, so a search resolves candidates by array index, not by
    /// hashing ids. Only rows reachable from `rowOf` (and so from the tag sets and sorted keys) are live.
    private var rows: [SessionMetadata] = []
    /// What filters and sort keys read of each row (``FilterFields``), in place of the record.
    private var filters: [FilterFields] = []
    private var freeRows: [Int32] = []
    private var rowOf: [String: Int32] = [:]
    private var byTag: [String: Set<Int32>] = [:]
    private var byUpdated = SortedKeys()
    private var byCreated = SortedKeys()
    private var byCost = SortedKeys()

    init() {}

    /// Builds an index from records in any order (duplicate ids: the last one wins).
    init(_ all: some Sequence<SessionMetadata>) { self.init(all: Array(all), orders: nil) }

    /// Builds an index from records in any order (duplicate ids: the last one wins), using
    /// `orders` (as a snapshot stored them) when they are a correct ordering of `records`;
    /// otherwise the orders are computed.
    ///
    /// From ``parallelThreshold`` records on, the filter fields, sorted keys and tag postings are
    /// built on a second thread while this one builds the id → row map (they are independent); when
    /// duplicates turn up (not in a snapshot), they are rebuilt from the deduplicated records.
    init(all: [SessionMetadata], orders: Orders?) {
        var records = all
        let derived = Mutex<Derived?>(nil)
        let done = DispatchGroup()
        if records.count >= Self.parallelThreshold {
            DispatchQueue.global().async(group: done) {
                let value = Derived(all, orders: orders)
                derived.withLock { $0 = value }
            }
        }
        rowOf.reserveCapacity(records.count)
        var duplicates = false
        for row in records.indices where rowOf.updateValue(Int32(row), forKey: records[row].id) != nil {
            duplicates = true
        }
        done.wait()
        if duplicates {
            let last = rowOf
            records = records.enumerated().filter { last[$1.id] == Int32($0) }.map(\.element)
            rowOf = Dictionary(uniqueKeysWithValues: records.enumerated().map { ($1.id, Int32($0)) })
        }
        rows = records
        // With duplicates the stored orders (of `all`) are checked against the deduplicated
        // records like any others: a wrong order is recomputed.
        let built = duplicates ? Derived(records, orders: orders) : derived.withLock { $0 } ?? Derived(records, orders: orders)
        filters = built.filters
        byUpdated = built.byUpdated
        byCreated = built.byCreated
        byCost = built.byCost
        byTag = built.byTag
    }

    /// The index size from which building it uses a second thread.
    static let parallelThreshold = 20_000

    /// The parts of an index derived from its rows: filter fields, sorted keys and tag postings.
    private struct Derived: Sendable {
        var filters: [FilterFields]
        var byUpdated = SortedKeys(), byCreated = SortedKeys(), byCost = SortedKeys()
        var byTag: [String: Set<Int32>] = [:]

        /// From records with distinct ids, each order as stored (checked while its elements
        /// are built) or else sorted here.
        init(_ records: [SessionMetadata], orders: Orders?) {
            filters = records.map(FilterFields.init)
            byUpdated.reset(sorted: SessionIndex.elements(orders?.updated, records, filters, .updatedAt))
            byCreated.reset(sorted: SessionIndex.elements(orders?.created, records, filters, .createdAt))
            byCost.reset(sorted: SessionIndex.elements(orders?.cost, records, filters, .cost))
            var tagRows: [String: [Int32]] = [:]
            for row in filters.indices {  // indexed, not `for fields in`: no copy (a retain of the tags)
                for tag in filters[row].tags { tagRows[tag, default: []].append(Int32(row)) }
            }
            byTag = tagRows.mapValues { Set($0) }
        }
    }

    /// The rows of a record list in each sorted-key order (ascending key, ties by id bytewise):
    /// what ``SortedKeys`` holds, and what a snapshot stores so that opening need not sort.
    struct Orders: Sendable, Equatable {
        var updated: [Int32]
        var created: [Int32]
        var cost: [Int32]

        init(updated: [Int32], created: [Int32], cost: [Int32]) {
            self.updated = updated
            self.created = created
            self.cost = cost
        }

        /// Computes the orders of `records` (whose ids are distinct).
        init(of records: [SessionMetadata]) {
            let filters = records.map(FilterFields.init)
            updated = Self.sorted(records, filters, .updatedAt)
            created = Self.sorted(records, filters, .createdAt)
            cost = Self.sorted(records, filters, .cost)
        }

        /// Sorts plain `(key, row)` pairs (no reference counting while elements move; each key
        /// read in place) and reads ids only to break ties.
        static func sorted(_ records: [SessionMetadata], _ filters: [FilterFields], _ field: SessionSort.Field) -> [Int32] {
            var pairs = filters.indices.map { (key: field.key(filters[$0]), row: Int32($0)) }
            pairs.sort { a, b in
                if a.key != b.key { return a.key < b.key }
                return records[Int(a.row)].id.utf8.lexicographicallyPrecedes(records[Int(b.row)].id.utf8)
            }
            return pairs.map(\.row)
        }
    }

    /// The sorted-keys elements of `records` in `order` when it lists every record once in
    /// ascending order (checked in the same pass); otherwise in an order computed by sorting.
    fileprivate static func elements(
        _ order: [Int32]?, _ records: [SessionMetadata], _ filters: [FilterFields], _ field: SessionSort.Field
    ) -> [SortedKeys.Element] {
        // Read in one sequential pass, each key read in place (a call through a key function
        // value copied each row's fields: a retain and a release of its tags); looked up by row below.
        let keys = [Double](unsafeUninitializedCapacity: records.count) { buffer, count in
            for i in filters.indices { buffer[i] = field.key(filters[i]) }
            count = records.count
        }
        if let order, order.count == records.count {
            var seen = [Bool](repeating: false, count: records.count)
            var result: [SortedKeys.Element] = []
            result.reserveCapacity(order.count)
            var previous: Int32 = -1
            for row in order {
                guard row >= 0, Int(row) < records.count, !seen[Int(row)] else { break }
                seen[Int(row)] = true
                if previous >= 0 {
                    let a = keys[Int(previous)], b = keys[Int(row)]
                    if a > b || (a == b && !records[Int(previous)].id.utf8.lexicographicallyPrecedes(records[Int(row)].id.utf8)) { break }
                }
                result.append(SortedKeys.Element(key: keys[Int(row)], row: row))
                previous = row
            }
            if result.count == records.count { return result }
        }
        return Orders.sorted(records, filters, field).map { SortedKeys.Element(key: keys[Int($0)], row: $0) }
    }

    var count: Int { rowOf.count }

    /// Every record, in no particular order.
    var allRecords: [SessionMetadata] { rowOf.values.map { rows[Int($0)] } }

    /// Every record (in `updatedAt` order) with the three sort orders as positions in that list:
    /// what a snapshot stores, read off the sorted keys in linear time, without sorting.
    var image: (records: [SessionMetadata], orders: Orders?) {
        var records: [SessionMetadata] = []
        records.reserveCapacity(count)
        var position = [Int32](repeating: -1, count: rows.count)
        byUpdated.forEach(in: 0..<byUpdated.count) { element in
            position[Int(element.row)] = Int32(records.count)
            records.append(rows[Int(element.row)])
        }
        func order(_ keys: SortedKeys) -> [Int32] {
            var order: [Int32] = []
            order.reserveCapacity(keys.count)
            keys.forEach(in: 0..<keys.count) { order.append(position[Int($0.row)]) }
            return order
        }
        return (records, Orders(updated: Array(0..<Int32(records.count)), created: order(byCreated), cost: order(byCost)))
    }

    subscript(id: String) -> SessionMetadata? { rowOf[id].map { rows[Int($0)] } }

    /// What a vacant row holds (no strings to keep alive).
    private static let vacant = SessionMetadata(
        id: "", createdAt: Date(timeIntervalSinceReferenceDate: 0), updatedAt: Date(timeIntervalSinceReferenceDate: 0),
        messageCount: 0, totalCostUSD: 0, turnCount: 0, sortedTags: [], summary: nil, model: nil, byteSize: 0)
    private static let vacantFilters = FilterFields(vacant)

    /// A row's session id, over the rows as they are now (what ``SortedKeys`` asks to order ties).
    private var idOfRow: (Int32) -> String {
        let rows = self.rows
        return { rows[Int($0)].id }
    }

    /// Inserts or replaces the record with `metadata.id`.
    mutating func upsert(_ metadata: SessionMetadata) {
        let fields = FilterFields(metadata)
        if let row = rowOf[metadata.id] {
            let old = filters[Int(row)]
            rows[Int(row)] = metadata
            filters[Int(row)] = fields
            relink(row, id: metadata.id, from: old, to: fields)
            return
        }
        let row = rows.store(metadata, reusing: &freeRows)
        if Int(row) == filters.count { filters.append(fields) } else { filters[Int(row)] = fields }
        rowOf[metadata.id] = row
        let ids = idOfRow
        eachOrder { keys, field in keys.insert(.init(key: field.key(fields), row: row), id: metadata.id, ids: ids) }
        for tag in fields.tags { byTag[tag, default: []].insert(row) }
    }

    /// Runs `body` on each sorted-keys order with the field it is sorted by.
    private mutating func eachOrder(_ body: (inout SortedKeys, SessionSort.Field) -> Void) {
        body(&byUpdated, .updatedAt)
        body(&byCreated, .createdAt)
        body(&byCost, .cost)
    }

    /// Moves a replaced record's row in the orders whose key changed and the tags that changed
    /// (an append changes only `updatedAt`: one order of three, no tag).
    private mutating func relink(_ row: Int32, id: String, from old: FilterFields, to new: FilterFields) {
        let ids = idOfRow
        eachOrder { keys, field in
            let before = field.key(old), after = field.key(new)
            guard before != after else { return }
            keys.remove(.init(key: before, row: row), id: id, ids: ids)
            keys.insert(.init(key: after, row: row), id: id, ids: ids)
        }
        guard old.tags != new.tags else { return }
        for tag in old.tags where !new.tags.contains(tag) { untag(row, tag) }
        for tag in new.tags where !old.tags.contains(tag) { byTag[tag, default: []].insert(row) }
    }

    /// Removes the record with this id; returns it, or `nil` if there was none.
    @discardableResult
    mutating func remove(_ id: String) -> SessionMetadata? {
        guard let row = rowOf.removeValue(forKey: id) else { return nil }
        let old = rows[Int(row)]
        unlink(row, id: id, filters[Int(row)])
        rows[Int(row)] = Self.vacant
        filters[Int(row)] = Self.vacantFilters
        freeRows.append(row)
        return old
    }

    /// Takes `row` out of the sorted keys and tag postings. (Its own function: the copy of the
    /// rows that `idOfRow` holds must be gone before the row is overwritten, or that write copies
    /// the whole array.)
    private mutating func unlink(_ row: Int32, id: String, _ fields: FilterFields) {
        let ids = idOfRow
        eachOrder { keys, field in keys.remove(.init(key: field.key(fields), row: row), id: id, ids: ids) }
        for tag in fields.tags { untag(row, tag) }
    }

    /// Takes `row` out of `tag`'s postings, dropping the tag when no row is left.
    private mutating func untag(_ row: Int32, _ tag: String) {
        byTag[tag]?.remove(row)
        if byTag[tag]?.isEmpty == true { byTag[tag] = nil }
    }

    /// Every tag in use with the number of sessions carrying it.
    var tagCounts: [String: Int] { byTag.mapValues(\.count) }

    /// The sessions not updated since `cutoff` (`updatedAt < cutoff`), oldest first.
    func updated(before cutoff: Date) -> [SessionMetadata] {
        var result: [SessionMetadata] = []
        byUpdated.forEach(in: 0..<byUpdated.position(ofKey: cutoff.timeIntervalSince1970, strict: false)) { element in
            result.append(rows[Int(element.row)])
        }
        return result
    }

    /// Runs a query. See ``SessionQuery`` for the semantics.
    func search(_ query: SessionQuery) -> SessionPage {
        let limit = query.limit.map { max(0, $0) } ?? Int.max
        if limit == 0 { return SessionPage(sessions: [], nextCursor: nil) }
        let cursor = query.cursor.flatMap { $0.sort == query.sort ? $0 : nil }
        let plan = candidatePlan(query)
        // With a large candidate set, walking the records in the (already sorted) order of the
        // query and stopping at the limit beats collecting and sorting every candidate.
        if plan.count > count / 3 {
            return walk(query, limit: limit, cursor: cursor)
        }
        var matched: [Int32] = []
        var keys: [Double] = []
        matched.reserveCapacity(min(plan.count, 4096))
        keys.reserveCapacity(min(plan.count, 4096))
        // Filter fields are read in place (borrowed through the buffer), never copied (a copy
        // retains and releases the tags); a record's box is read only for its id when its key
        // equals a cursor's, and when the result is built.
        filters.withUnsafeBufferPointer { fields in
            let tagsKnown = plan.coversTags
            plan.forEach { row in
                guard tagsKnown || query.matchesTags(fields[Int(row)]), query.matchesRanges(fields[Int(row)]) else { return }
                let key = query.sort.field.key(fields[Int(row)])
                if let cursor, !query.sort.precedes(cursor.key, cursor.id, key, rows[Int(row)].id) { return }
                matched.append(row)
                keys.append(key)
            }
        }
        // Many matches (over an eighth of all sessions): mark them and read them off the sorted
        // keys in one pass instead of sorting them.
        if matched.count > 64, matched.count > count / 8 {
            var marked = [Bool](repeating: false, count: rows.count)
            for row in matched { marked[Int(row)] = true }
            let picked = marked.withUnsafeBufferPointer { marked in
                sortedKeys(query.sort).select(descending: query.sort.descending, limit: limit) { marked[Int($0)] }
            }
            let result = picked.prefix(limit).map { rows[Int($0.row)] }
            return picked.count > limit ? page(result, query) : SessionPage(sessions: result, nextCursor: nil)
        }
        // Few matches: order their indices (not the records) with a key-first
        // comparator over immutable copies (captured `var`s cost an exclusivity check per access).
        var order = Array(matched.indices)
        let descending = query.sort.descending
        let sortKeys = keys, found = matched, records = rows
        let precedes = { (a: Int, b: Int) -> Bool in
            let ka = sortKeys[a], kb = sortKeys[b]
            if ka != kb { return descending ? ka > kb : ka < kb }
            return records[Int(found[a])].id.utf8.lexicographicallyPrecedes(records[Int(found[b])].id.utf8)  // ties only
        }
        if limit < found.count / 4 {
            order = Self.smallest(limit, of: order, by: precedes)
        } else {
            order.sort(by: precedes)
            if order.count > limit { order.removeLast(order.count - limit) }
        }
        let more = found.count > order.count
        return SessionPage(
            sessions: order.map { records[Int(found[$0])] },
            nextCursor: more ? order.last.map { SessionCursor(sort: query.sort, key: sortKeys[$0], id: records[Int(found[$0])].id) } : nil
        )
    }

    private func sortedKeys(_ sort: SessionSort) -> SortedKeys {
        switch sort.field {
        case .updatedAt: byUpdated
        case .createdAt: byCreated
        case .cost: byCost
        }
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

    /// The most selective source of candidate rows for a query.
    private struct Plan {
        var count: Int
        /// Whether every candidate is known to meet the query's tag condition.
        var coversTags = false
        var forEach: ((Int32) -> Void) -> Void
    }

    private func candidatePlan(_ query: SessionQuery) -> Plan {
        var best = Plan(count: count) { body in for row in rowOf.values { body(row) } }
        func consider(_ plan: Plan) { if plan.count < best.count { best = plan } }
        if !query.tags.isEmpty {
            let sets = query.tags.map { byTag[$0] ?? [] }
            if query.tagMatch.requiresAll {
                let smallest = sets.min { $0.count < $1.count } ?? []
                consider(Plan(count: smallest.count, coversTags: query.tags.allSatisfy { $0 == query.tags[0] }) { body in smallest.forEach(body) })
            } else {
                // A union, each row once (a bit per row marks the rows already visited).
                let total = sets.reduce(0) { $0 + $1.count }
                let rowCount = rows.count
                consider(Plan(count: total, coversTags: true) { body in
                    if sets.count == 1 { return sets[0].forEach(body) }
                    var seen = [UInt64](repeating: 0, count: (rowCount + 63) / 64)
                    for set in sets {
                        for row in set {
                            let word = Int(row) >> 6, bit = UInt64(1) << UInt64(row & 63)
                            if seen[word] & bit != 0 { continue }
                            seen[word] |= bit
                            body(row)
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
        return Plan(count: range.count) { body in keys.forEach(in: range) { body($0.row) } }
    }

    /// Walks the records in the query's sort order, from the cursor, until `limit` matches
    /// and one more (so a cursor is returned only when another page exists).
    private func walk(_ query: SessionQuery, limit: Int, cursor: SessionCursor?) -> SessionPage {
        let keys = sortedKeys(query.sort)
        var result: [SessionMetadata] = []
        result.reserveCapacity(min(limit, count))
        // Returns false once a match beyond the limit shows there is a next page.
        func visit(_ i: Int) -> Bool {
            guard query.matches(filters[Int(keys[i].row)]) else { return true }  // borrowed, not copied
            if result.count == limit { return false }
            result.append(rows[Int(keys[i].row)])
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
            where cursor.id.utf8.lexicographicallyPrecedes(rows[Int(keys[i].row)].id.utf8) {
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
