import Foundation
import Testing
@testable import AgentSessions

@Suite("IndexSnapshot and the stored sort orders")
struct IndexSnapshotTests {
    /// The index tests' records, with a model on some, a summary on most, equal keys on many.
    static let records: [SessionMetadata] = SessionIndexTests.records.enumerated().map { i, record in
        var record = record
        record.model = i % 3 == 0 ? nil : "claude-model-\(i % 4)"
        record.summary = i % 5 == 0 ? nil : "summary \(i) ✓"
        return record
    }

    @Test("encode then decode gives back every record and orders equal to sorting")
    func roundTrip() throws {
        let bytes = IndexSnapshot.encode(generation: 42, records: Self.records)
        let image = try IndexSnapshot.decode(bytes)
        #expect(image.generation == 42)
        #expect(image.records == Self.records)
        let orders = try #require(image.orders)
        #expect(orders == SessionIndex.Orders(of: Self.records))
        // The updatedAt order really is ascending by (key, id).
        let keys = orders.updated.map { (Self.records[Int($0)].updatedAt, Self.records[Int($0)].id) }
        #expect(zip(keys, keys.dropFirst()).allSatisfy { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1.utf8.lexicographicallyPrecedes($1.1.utf8)) })
    }

    /// Decoding makes records' boxes 1,024 at a time: counts around those batches.
    @Test("every record comes back in order across decoding batches", arguments: [1_023, 1_024, 1_025, 2_049])
    func batches(count: Int) throws {
        let records = (0..<count).map { i in
            var record = Self.records[i % Self.records.count]
            record.id = "r\(i)"
            record.messageCount = i
            return record
        }
        let image = try IndexSnapshot.decode(IndexSnapshot.encode(generation: 1, records: records))
        #expect(image.records == records)
    }

    @Test("an index's image (what a checkpoint saves) carries the same orders as sorting, freed rows left out")
    func indexImage() throws {
        var index = SessionIndex(Self.records)
        for record in Self.records.prefix(40) { index.remove(record.id) }  // vacant rows
        var moved = Self.records[50]
        moved.updatedAt = moved.updatedAt.addingTimeInterval(1_000)
        moved.totalCostUSD = 7
        index.upsert(moved)
        index.upsert(metadata("new", created: 1, updated: 1, cost: 0.55))  // reuses a vacant row
        let image = index.image
        #expect(image.records.count == index.count)
        #expect(Set(image.records.map(\.id)) == Set(index.allRecords.map(\.id)))
        #expect(image.orders == SessionIndex.Orders(of: image.records))
        // What a snapshot built from the image decodes to is the same index.
        let decoded = try IndexSnapshot.decode(IndexSnapshot.encode(generation: 3, records: image.records, orders: image.orders))
        let reopened = SessionIndex(all: decoded.records, orders: decoded.orders)
        for sort in [SessionSort.updatedAtDescending, .createdAtAscending, .costDescending] {
            #expect(reopened.search(SessionQuery(sort: sort)).sessions == index.search(SessionQuery(sort: sort)).sessions)
        }
    }

    @Test("an empty index round-trips")
    func empty() throws {
        let image = try IndexSnapshot.decode(IndexSnapshot.encode(generation: 1, records: []))
        #expect(image.records.isEmpty)
        #expect(image.orders == SessionIndex.Orders(updated: [], created: [], cost: []))
    }

    @Test("a version 1 snapshot (no tables, no orders) is still read")
    func versionOne() throws {
        var w = ByteWriter()
        w.u32(IndexSnapshot.magic)
        w.u32(1)
        w.u64(7)
        w.u64(UInt64(Self.records.count))
        for record in Self.records { w.metadata(record) }
        w.u32(CRC32.checksum(w.bytes, from: 0, to: w.bytes.count))
        let image = try IndexSnapshot.decode(w.bytes)
        #expect(image.generation == 7)
        #expect(image.records == Self.records)
        #expect(image.orders == nil)
    }

    @Test("any flipped byte, a cut, or an unknown version is refused", arguments: [0, 5, 30, 200, 1_000, -1, -9])
    func damaged(_ at: Int) throws {
        var bytes = IndexSnapshot.encode(generation: 1, records: Self.records)
        let position = at >= 0 ? at : bytes.count + at
        bytes[position] ^= 0x40
        #expect(throws: ByteReader.Truncated.self) { try IndexSnapshot.decode(bytes) }
        let whole = IndexSnapshot.encode(generation: 1, records: Self.records)
        #expect(throws: ByteReader.Truncated.self) { try IndexSnapshot.decode(Array(whole.prefix(max(0, position)))) }
    }

    @Test("a count or size beyond Int.max is refused, not a crash, even with a valid checksum", arguments: [1, 2])
    func hugeInteger(_ version: Int) throws {
        let one = [metadata("only", tags: ["t"])]
        var bytes: [UInt8]
        if version == 1 {
            var w = ByteWriter()
            w.u32(IndexSnapshot.magic)
            w.u32(1)
            w.u64(1)
            w.u64(1)
            w.metadata(one[0])
            bytes = w.bytes + [0, 0, 0, 0]
            bytes[24 + 8 + 16 + 7] |= 0x80  // the record's message count: id (4 + 4), two dates, then the count
        } else {
            bytes = IndexSnapshot.encode(generation: 1, records: one)
            bytes[23] |= 0x80  // the top byte of the record count
        }
        bytes.removeLast(4)
        bytes.append(contentsOf: withUnsafeBytes(of: CRC32.checksum(bytes, from: 0, to: bytes.count).littleEndian, Array.init))
        #expect(throws: ByteReader.Truncated.self) { try IndexSnapshot.decode(bytes) }
    }

    @Test("a table reference out of range is refused even with a valid checksum")
    func badReference() throws {
        let one = [metadata("only", tags: ["t"])]
        var bytes = IndexSnapshot.encode(generation: 1, records: one)
        // The 24-byte header; names: a count and "t" (4 + 5); lists: a count and one list of one
        // name (4 + 8); then the record: its id (4 + 4), six 8-byte fields, its list number.
        let listNumber = 24 + 4 + 5 + 4 + 8 + (4 + 4) + 8 * 6
        #expect(bytes[listNumber] == 0)
        bytes[listNumber] = 9
        bytes.removeLast(4)
        bytes.append(contentsOf: withUnsafeBytes(of: CRC32.checksum(bytes, from: 0, to: bytes.count).littleEndian, Array.init))
        #expect(throws: ByteReader.Truncated.self) { try IndexSnapshot.decode(bytes) }
    }

    @Test("wrong stored orders are detected and recomputed: the index answers as one built by sorting", arguments: [
        "swapped", "short", "duplicate", "out of range",
    ])
    func wrongOrders(_ damage: String) {
        var orders = SessionIndex.Orders(of: Self.records)
        switch damage {
        case "swapped": orders.created.swapAt(3, 4)
        case "short": orders.cost.removeLast()
        case "duplicate": orders.updated[0] = orders.updated[1]
        default: orders.updated[5] = Int32(Self.records.count)
        }
        #expect(orders != SessionIndex.Orders(of: Self.records))
        let index = SessionIndex(all: Self.records, orders: orders)
        let sorted = SessionIndex(Self.records)
        for sort in [SessionSort.updatedAtDescending, .createdAtAscending, .costDescending] {
            let query = SessionQuery(sort: sort)
            #expect(index.search(query).sessions.map(\.id) == sorted.search(query).sessions.map(\.id))
            #expect(index.search(query).sessions.map(\.id) == SessionIndexTests.reference(query, Self.records))
        }
    }

    @Test("an index large enough to be built on two threads answers as the brute-force reference, duplicates included")
    func parallelBuild() {
        let n = SessionIndex.parallelThreshold + 500
        var records: [SessionMetadata] = []
        for i in 0..<n {
            let tags: [String] = i % 3 == 0 ? ["x"] : ["y", "z"]
            let cost = Double(i % 89) / 100
            records.append(metadata("p\(i)", created: Double(i % 977), updated: Double(i % 331), cost: cost, tags: tags))
        }
        let fromOrders = SessionIndex(all: records, orders: SessionIndex.Orders(of: records))
        records.append(metadata("p7", created: 5_000, updated: 5_000, cost: 9, tags: ["late"]))  // a duplicate: it wins
        let withDuplicate = SessionIndex(all: records, orders: SessionIndex.Orders(updated: [], created: [], cost: []))
        let expected: [SessionMetadata] = records.dropLast().filter { $0.id != "p7" } + [records[records.count - 1]]
        let queries: [SessionQuery] = [
            SessionQuery(tags: ["x"], sort: .costDescending, limit: 40), SessionQuery(sort: .createdAtAscending, limit: 25),
            SessionQuery(tags: ["late", "y"], tagMatch: .any, limit: 30),
        ]
        for query in queries {
            let first: [String] = fromOrders.search(query).sessions.map { $0.id }
            let second: [String] = withDuplicate.search(query).sessions.map { $0.id }
            #expect(first == SessionIndexTests.reference(query, Array(records.dropLast())))
            #expect(second == SessionIndexTests.reference(query, expected))
        }
        #expect(withDuplicate.count == n)
        #expect(withDuplicate["p7"]?.tags == ["late"])
    }

    @Test("duplicate ids: the last record wins; orders that do not fit the deduplicated records are recomputed")
    func duplicates() {
        let first = metadata("dup", created: 1, cost: 0.5), last = metadata("dup", created: 2, cost: 0.1)
        let records = [first, metadata("other", created: 3), last]
        let index = SessionIndex(all: records, orders: SessionIndex.Orders(updated: [0, 1, 2], created: [0, 2, 1], cost: [0, 1, 2]))
        #expect(index.count == 2)
        #expect(index["dup"] == last)
        #expect(index.search(SessionQuery(sort: .createdAtAscending)).sessions.map(\.id) == ["dup", "other"])
    }
}
