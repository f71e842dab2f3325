import Foundation

/// A search over the session index: every field is optional and fields combine with AND.
///
/// Semantics (documented in `Docs/Architecture.md` and tested):
/// - `tags` match any listed tag (``TagMatch/any``, the default) or all of them (``TagMatch/all``);
///   an empty list does not filter.
/// - `createdAfter` is inclusive (`createdAt >= createdAfter`), `createdBefore` exclusive
///   (`createdAt < createdBefore`), so consecutive ranges never overlap.
/// - Cost bounds are inclusive on both ends.
/// - Results are ordered by ``sort`` (default: `updatedAt` newest first), ties by id ascending
///   (bytewise), then cut to ``limit``; ``cursor`` continues after a previous page.
public struct SessionQuery: Sendable, Hashable {
    /// How several tags combine.
    public struct TagMatch: Sendable, Hashable {
        let requiresAll: Bool
        /// A session matches when it has at least one of the tags.
        public static let any = TagMatch(requiresAll: false)
        /// A session matches when it has every tag.
        public static let all = TagMatch(requiresAll: true)
    }

    /// Tags to match; empty means no tag filter.
    public var tags: [String]
    /// Whether any or all of ``tags`` must be present.
    public var tagMatch: TagMatch
    /// Only sessions created at or after this instant.
    public var createdAfter: Date?
    /// Only sessions created strictly before this instant.
    public var createdBefore: Date?
    /// Only sessions that cost at least this much (USD).
    public var minCost: Double?
    /// Only sessions that cost at most this much (USD).
    public var maxCost: Double?
    /// The order of the results.
    public var sort: SessionSort
    /// At most this many results; `nil` for all.
    public var limit: Int?
    /// Continue after the page that returned this cursor.
    public var cursor: SessionCursor?

    /// Creates a query; with no arguments it matches every session, newest first.
    public init(
        tags: [String] = [], tagMatch: TagMatch = .any, createdAfter: Date? = nil, createdBefore: Date? = nil,
        minCost: Double? = nil, maxCost: Double? = nil, sort: SessionSort = .updatedAtDescending,
        limit: Int? = nil, cursor: SessionCursor? = nil
    ) {
        self.tags = tags
        self.tagMatch = tagMatch
        self.createdAfter = createdAfter
        self.createdBefore = createdBefore
        self.minCost = minCost
        self.maxCost = maxCost
        self.sort = sort
        self.limit = limit
        self.cursor = cursor
    }

    /// Whether a record passes every filter of this query (order, limit and cursor aside).
    func matches(_ record: FilterFields) -> Bool {
        matchesTags(record) && matchesRanges(record)
    }

    /// The tag condition alone.
    func matchesTags(_ record: FilterFields) -> Bool {
        if tags.isEmpty { return true }
        if tagMatch.requiresAll {
            for tag in tags where !record.tags.contains(tag) { return false }
            return true
        }
        return tags.contains(where: record.tags.contains)
    }

    /// The date and cost conditions alone.
    func matchesRanges(_ record: FilterFields) -> Bool {
        if let createdAfter, record.createdAt < createdAfter { return false }
        if let createdBefore, record.createdAt >= createdBefore { return false }
        if let minCost, record.totalCostUSD < minCost { return false }
        if let maxCost, record.totalCostUSD > maxCost { return false }
        return true
    }
}

/// The order of search and list results. Ties are always broken by id ascending.
public struct SessionSort: Sendable, Hashable, CustomStringConvertible {
    enum Field: String, Sendable {
        case updatedAt = "updated", createdAt = "created", cost = "cost"

        /// A record's key in this field's order.
        func key(_ record: FilterFields) -> Double {
            switch self {
            case .updatedAt: record.updatedAt.timeIntervalSince1970
            case .createdAt: record.createdAt.timeIntervalSince1970
            case .cost: record.totalCostUSD
            }
        }
    }
    let field: Field
    let descending: Bool

    /// Most recently updated first (the default, as `listSessions`).
    public static let updatedAtDescending = SessionSort(field: .updatedAt, descending: true)
    /// Least recently updated first.
    public static let updatedAtAscending = SessionSort(field: .updatedAt, descending: false)
    /// Newest sessions first.
    public static let createdAtDescending = SessionSort(field: .createdAt, descending: true)
    /// Oldest sessions first.
    public static let createdAtAscending = SessionSort(field: .createdAt, descending: false)
    /// Most expensive first.
    public static let costDescending = SessionSort(field: .cost, descending: true)
    /// Cheapest first.
    public static let costAscending = SessionSort(field: .cost, descending: false)

    /// The name used by the CLI: `updated-desc`, `created-asc`, `cost-desc`, ...
    public var description: String { "\(field.rawValue)-\(descending ? "desc" : "asc")" }

    /// Parses a name produced by ``description``; `nil` if it is not one.
    public init?(_ name: String) {
        let parts = name.split(separator: "-")
        guard parts.count == 2, let field = Field(rawValue: String(parts[0])), parts[1] == "asc" || parts[1] == "desc"
        else { return nil }
        self.init(field: field, descending: parts[1] == "desc")
    }

    init(field: Field, descending: Bool) {
        self.field = field
        self.descending = descending
    }

    /// The sort key of a record for this order.
    func key(_ metadata: SessionMetadata) -> Double { field.key(FilterFields(metadata)) }

    /// Whether `a` comes before `b` in this order.
    func precedes(_ a: (key: Double, id: String), _ b: (key: Double, id: String)) -> Bool {
        precedes(a.key, a.id, b.key, b.id)
    }

    /// Whether the record with key `a` and id `idA` comes before the one with `b` and `idB`; the
    /// ids are read only when the keys are equal.
    func precedes(_ a: Double, _ idA: @autoclosure () -> String, _ b: Double, _ idB: @autoclosure () -> String) -> Bool {
        if a != b { return descending ? a > b : a < b }
        return idA().utf8.lexicographicallyPrecedes(idB().utf8)
    }
}

/// An opaque position in a result list, returned with a page and passed back for the next one.
///
/// A cursor stays valid while the store changes: the next page starts strictly after the
/// last record returned, by the same order, so no record is returned twice; a record that
/// moves ahead of the cursor meanwhile (an update) is not returned again.
public struct SessionCursor: Sendable, Hashable, CustomStringConvertible {
    let sort: SessionSort
    let key: Double
    let id: String

    /// The cursor as a string safe to print and pass on a command line.
    public var description: String {
        let raw = "\(sort.description)|\(key.bitPattern)|\(id)"
        return Data(raw.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Parses a string produced by ``description``; `nil` if it is not a cursor.
    public init?(_ string: String) {
        var base64 = string.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let raw = String(data: data, encoding: .utf8) else { return nil }
        let parts = raw.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let sort = SessionSort(String(parts[0])), let bits = UInt64(parts[1]) else { return nil }
        self.init(sort: sort, key: Double(bitPattern: bits), id: String(parts[2]))
    }

    init(sort: SessionSort, key: Double, id: String) {
        self.sort = sort
        self.key = key
        self.id = id
    }
}

/// One page of results: the records and, when more may follow, the cursor for the next page.
public struct SessionPage: Sendable, Hashable {
    /// The records of this page, in the query's order.
    public var sessions: [SessionMetadata]
    /// Pass this as ``SessionQuery/cursor`` to get the next page; `nil` when this page is the last.
    public var nextCursor: SessionCursor?
}
