import Foundation

/// The fields of a record that search filters and sort keys read: what ``SessionIndex`` keeps
/// for each row in one array beside the records.
///
/// A record (``SessionMetadata``) is one reference to a box. Reading a candidate's dates, cost
/// and tags through it would follow that reference for every candidate, to boxes in no useful
/// order; a search reads these values in place instead, and touches a record's box only for its
/// id (ties with a cursor, ties in a sort) and to copy it into a result.
struct FilterFields: Sendable {
    var createdAt: Date
    var updatedAt: Date
    var totalCostUSD: Double
    /// Distinct and sorted, as in the record.
    var tags: [String]

    init(_ metadata: SessionMetadata) {
        createdAt = metadata.createdAt
        updatedAt = metadata.updatedAt
        totalCostUSD = metadata.totalCostUSD
        tags = metadata.tags
    }
}
