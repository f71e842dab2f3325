import Foundation
import Synchronization

/// The binary image of the whole index that a checkpoint writes to `index.snapshot`.
///
/// Version 2 (version 1, the first release's, is still read) keeps what opening a store would
/// otherwise recompute: tag names, tag lists and model names are stored once in tables and
/// shared by the decoded records, and the records' order by `updatedAt`, `createdAt` and cost
/// is stored as row numbers, so ``SessionIndex`` needs no sort (it checks the orders in one
/// pass and sorts only if they are wrong). `Docs/StorageFormat.md` has the byte layout.
///
/// Pure: bytes in, bytes out.
enum IndexSnapshot {
    static let magic: UInt32 = 0x5849_5341  // "ASIX"
    static let version: UInt32 = 2
    /// A model index meaning "no model".
    private static let none = UInt32.max

    /// A decoded snapshot.
    struct Image {
        var generation: UInt64
        /// Ids are unique: the snapshot was written from an index.
        var records: [SessionMetadata]
        /// The stored orders (version 2), unchecked: ``SessionIndex`` verifies them.
        var orders: SessionIndex.Orders?
    }

    /// The snapshot of `records`; `orders` are their sort orders if known (an index's own), else computed here.
    static func encode(generation: UInt64, records: [SessionMetadata], orders known: SessionIndex.Orders? = nil) -> [UInt8] {
        var w = ByteWriter()
        w.bytes.reserveCapacity(64 + records.count * 200)
        w.u32(magic)
        w.u32(version)
        w.u64(generation)
        w.u64(UInt64(records.count))
        // Tables: names (tags and models), then tag lists as name numbers.
        var names: [String: UInt32] = [:]
        var nameList: [String] = []
        func name(_ value: String) -> UInt32 {
            if let known = names[value] { return known }
            let number = UInt32(nameList.count)
            names[value] = number
            nameList.append(value)
            return number
        }
        var lists: [[String]: UInt32] = [:]
        var listList: [[UInt32]] = []
        var recordList = [UInt32](repeating: 0, count: records.count)
        var recordModel = [UInt32](repeating: none, count: records.count)
        for (i, record) in records.enumerated() {
            if let known = lists[record.tags] {
                recordList[i] = known
            } else {
                recordList[i] = UInt32(listList.count)
                lists[record.tags] = recordList[i]
                listList.append(record.tags.map(name))
            }
            if let model = record.model { recordModel[i] = name(model) }
        }
        w.u32(UInt32(nameList.count))
        for value in nameList { w.string(value) }
        w.u32(UInt32(listList.count))
        for list in listList {
            w.u32(UInt32(list.count))
            for number in list { w.u32(number) }
        }
        for (i, m) in records.enumerated() {
            w.string(m.id)
            w.f64(m.createdAt.timeIntervalSinceReferenceDate)
            w.f64(m.updatedAt.timeIntervalSinceReferenceDate)
            w.u64(UInt64(m.messageCount))
            w.f64(m.totalCostUSD)
            w.u64(UInt64(m.turnCount))
            w.u64(UInt64(m.byteSize))
            w.u32(recordList[i])
            w.u32(recordModel[i])
            w.optionalString(m.summary)
        }
        let orders = known ?? SessionIndex.Orders(of: records)
        for order in [orders.updated, orders.created, orders.cost] {
            for row in order { w.u32(UInt32(row)) }
        }
        w.u32(CRC32.checksum(w.bytes, from: 0, to: w.bytes.count))
        return w.bytes
    }

    /// Decodes a snapshot of version 1 or 2 from memory (a mapped file, or one read).
    /// - Throws: ``ByteReader/Truncated`` when the bytes are not a whole, intact snapshot
    ///   (wrong magic or version, bad checksum, short or inconsistent content).
    static func decode(_ bytes: UnsafeRawBufferPointer) throws(ByteReader.Truncated) -> Image {
        guard bytes.count >= 28 else { throw ByteReader.Truncated() }
        var tail = ByteReader(bytes, from: bytes.count - 4)
        let stored = try tail.u32()
        // The checksum runs on another thread while this one decodes (and the memory stays
        // valid until it is done). Decoding damaged bytes fails safely: every read is
        // bounds-checked, every count is checked against the bytes left before anything is
        // reserved, and 64-bit integers must fit `Int`.
        let checksum = Mutex<UInt32?>(nil)
        let done = DispatchGroup()
        nonisolated(unsafe) let shared = bytes
        DispatchQueue.global().async(group: done) {
            let value = CRC32.checksum(shared, from: 0, to: shared.count - 4)
            checksum.withLock { $0 = value }
        }
        let image = Result { () throws(ByteReader.Truncated) in try decodeContent(bytes) }
        done.wait()
        guard checksum.withLock({ $0 }) == stored else { throw ByteReader.Truncated() }
        return try image.get()
    }

    /// How many records a snapshot decodes before it makes their boxes (``decodeContent(_:)``).
    private static let decodeBatch = 1024

    private static func decodeContent(_ bytes: UnsafeRawBufferPointer) throws(ByteReader.Truncated) -> Image {
        var r = ByteReader(bytes, to: bytes.count - 4)
        guard try r.u32() == magic else { throw ByteReader.Truncated() }
        let version = try r.u32()
        let generation = try r.u64()
        let count = try r.int()
        // A record takes at least 58 bytes in either version: no reservation beyond what the bytes could hold.
        guard count <= (r.end - r.position) / 58 else { throw ByteReader.Truncated() }
        var records: [SessionMetadata] = []
        records.reserveCapacity(count)
        switch version {
        case 1:
            for _ in 0..<count { records.append(try r.metadata()) }
            return Image(generation: generation, records: records, orders: nil)
        case 2:
            let nameCount = Int(try r.u32())
            guard nameCount <= (r.end - r.position) / 4 else { throw ByteReader.Truncated() }
            var names: [String] = []
            names.reserveCapacity(nameCount)
            for _ in 0..<nameCount { names.append(try r.string()) }
            let listCount = Int(try r.u32())
            guard listCount <= (r.end - r.position) / 4 else { throw ByteReader.Truncated() }
            var lists: [[String]] = []
            lists.reserveCapacity(listCount)
            for _ in 0..<listCount {
                let length = Int(try r.u32())
                guard length <= (r.end - r.position) / 4 else { throw ByteReader.Truncated() }
                var list: [String] = []
                list.reserveCapacity(length)
                for _ in 0..<length { list.append(try names.at(Int(try r.u32()))) }
                guard zip(list, list.dropFirst()).allSatisfy({ $0 < $1 }) else { throw ByteReader.Truncated() }
                lists.append(list)
            }
            // Two passes per batch of records: their fields (and strings) first, then their boxes,
            // so that the boxes lie back to back in the snapshot's order (updatedAt) and a list or a
            // search that walks them reads memory the processor prefetches. Interleaved with the
            // strings, the first full list at 10,000 sessions took about 1.8 ms, back to back about
            // 0.6 (`Docs/Benchmarks.md`). The batch's fields are moved into their boxes, not copied
            // (a copy would retain and release each of their strings and tags).
            let batch = UnsafeMutablePointer<SessionMetadata.Fields>.allocate(capacity: Self.decodeBatch)
            var pending = 0
            defer {
                batch.deinitialize(count: pending)  // what a thrown error left
                batch.deallocate()
            }
            func makeBoxes() {
                for i in 0..<pending { records.append(SessionMetadata((batch + i).move())) }
                pending = 0
            }
            for _ in 0..<count {
                let id = try r.string()
                let created = try r.f64(), updated = try r.f64()
                let messageCount = try r.int()
                let cost = try r.f64()
                let turns = try r.int()
                let size = try r.int()
                let tags = try lists.at(Int(try r.u32()))
                let modelNumber = try r.u32()
                let model = modelNumber == none ? nil : try names.at(Int(modelNumber))
                let summary = try r.optionalString()
                (batch + pending).initialize(to: SessionMetadata.Fields(
                    id: id, createdAt: Date(timeIntervalSinceReferenceDate: created),
                    updatedAt: Date(timeIntervalSinceReferenceDate: updated), messageCount: messageCount,
                    totalCostUSD: cost, turnCount: turns, tags: tags, summary: summary, model: model, byteSize: size))
                pending += 1
                if pending == Self.decodeBatch { makeBoxes() }
            }
            makeBoxes()
            var orders: [[Int32]] = []
            for _ in 0..<3 {
                var order = [Int32](repeating: 0, count: count)
                for i in 0..<count { order[i] = Int32(truncatingIfNeeded: try r.u32()) }
                orders.append(order)
            }
            guard r.position == r.end else { throw ByteReader.Truncated() }
            return Image(generation: generation, records: records,
                         orders: SessionIndex.Orders(updated: orders[0], created: orders[1], cost: orders[2]))
        default:
            throw ByteReader.Truncated()
        }
    }
}

private extension Array {
    /// The element at `index`, or ``ByteReader/Truncated`` when a stored number points outside the table.
    func at(_ index: Int) throws(ByteReader.Truncated) -> Element {
        guard indices.contains(index) else { throw ByteReader.Truncated() }
        return self[index]
    }
}
