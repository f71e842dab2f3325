/// A scan-resistant, byte-bounded cache of message lists (a segmented LRU): the memory an entry
/// takes is its stored JSON text plus ``perMessageBytes`` per message, and all entries together
/// stay within the budget.
///
/// Entries live in one of two least-recently-used lists:
/// - **protected**: what this process wrote (saves and appends), and what was read again while
///   in probation. It may use whatever of the budget probation does not.
/// - **probation**: a session read from disk for the first time, bounded by a small share of the
///   budget (a sixteenth by default). A second read while it is there promotes it.
///
/// So one pass over many sessions (a script exporting or summarising a store, the benchmark's
/// cold loads) keeps at most the probation share in memory and, when the budget is full, evicts
/// about that much of what the process works on (in whole sessions, oldest first). An evicted
/// entry is dropped. A list larger than the budget is not cached at all; a first read larger than
/// the probation share is not cached, but its id is remembered (the last ``largeReadMemory``), and
/// a second read while it is remembered goes to the protected list.
///
/// Cached messages hold their stored text (``Message/init(validatedText:)``), not decoded trees,
/// so the bound is close to the real memory used. Entries live in an array linked by slot
/// numbers, so a hit costs one dictionary lookup (the id's hash) and a few array writes.
///
/// Pure and single-threaded: ``SessionTable`` owns one behind its lock.
struct MessageCache {
    /// Which list an entry is in.
    enum Segment: Int {
        case protected = 0
        case probation = 1
    }

    private struct Entry {
        var id: String
        var messages: [Message]
        var bytes: Int
        var segment: Segment = .protected
        var newer: Int32 = -1
        var older: Int32 = -1
    }

    /// One recency list: its ends and the bytes its entries take.
    private struct List {
        var newest: Int32 = -1
        var oldest: Int32 = -1
        var bytes = 0
    }

    /// What a cached message takes besides its text: its element in the list.
    static let perMessageBytes = MemoryLayout<Message>.stride

    /// How many first reads too large for probation are remembered by id.
    static let largeReadMemory = 32

    let capacity: Int
    let probationCapacity: Int
    private var lists = [List(), List()]
    /// Ids of recent first reads too large for probation, oldest first.
    private var largeReads: [String] = []
    private var slots: [String: Int32] = [:]
    private var entries: [Entry] = []
    private var free: [Int32] = []

    /// A cache of `capacity` bytes, of which `probation` (default: a sixteenth) hold first reads.
    init(capacity: Int, probation: Int? = nil) {
        self.capacity = capacity
        probationCapacity = max(0, min(capacity, probation ?? capacity / 16))
    }

    var count: Int { slots.count }

    /// The bytes all cached entries take.
    var usedBytes: Int { lists[Segment.protected.rawValue].bytes + lists[Segment.probation.rawValue].bytes }

    /// The cached messages of `id`, marking them most recently used; a hit in probation
    /// promotes the entry to the protected list.
    mutating func get(_ id: String) -> [Message]? {
        guard let slot = slots[id] else { return nil }
        // A promotion moves bytes between the lists: the total, and so the budget, is unchanged.
        if slot != lists[Segment.protected.rawValue].newest {
            unlink(slot)
            push(slot, to: .protected)
        }
        return entries[Int(slot)].messages
    }

    /// Caches `messages` (which came from `bytes` bytes of JSON lines) as the newest entry of
    /// `segment` (protected for what the process wrote, probation for a first read), evicting
    /// least recently used entries.
    ///
    /// A first read too large for probation is not cached, but its id is remembered (the last
    /// ``largeReadMemory`` of them): read again, it goes to the protected list.
    mutating func put(_ id: String, _ messages: [Message], bytes textBytes: Int, segment: Segment = .protected) {
        remove(id)
        let bytes = textBytes + messages.count * Self.perMessageBytes
        var segment = segment
        if segment == .probation && bytes > probationCapacity {
            guard let seen = largeReads.firstIndex(of: id) else {
                if largeReads.count == Self.largeReadMemory { largeReads.removeFirst() }
                return largeReads.append(id)
            }
            largeReads.remove(at: seen)
            segment = .protected
        }
        guard bytes <= capacity else { return }
        let slot = entries.store(Entry(id: id, messages: messages, bytes: bytes, segment: segment), reusing: &free)
        slots[id] = slot
        push(slot, to: segment)
        evict(keeping: slot)
    }

    /// Extends a cached list in place (after an append) and makes it the newest protected entry
    /// (an append is the process working on it); does nothing if it is not cached. If it no
    /// longer fits the budget it is dropped.
    mutating func append(_ id: String, _ messages: [Message], bytes: Int) {
        guard let slot = slots[id] else { return }
        let added = bytes + messages.count * Self.perMessageBytes
        guard entries[Int(slot)].bytes + added <= capacity else { return remove(id) }
        entries[Int(slot)].messages.append(contentsOf: messages)
        unlink(slot)
        entries[Int(slot)].bytes += added
        push(slot, to: .protected)
        evict(keeping: slot)
    }

    mutating func remove(_ id: String) {
        guard let slot = slots.removeValue(forKey: id) else { return }
        unlink(slot)
        entries[Int(slot)] = Entry(id: "", messages: [], bytes: 0)
        free.append(slot)
    }

    mutating func removeAll() {
        self = MessageCache(capacity: capacity, probation: probationCapacity)
    }

    /// The ids cached in `segment`, most recently used first (for tests).
    func ids(in segment: Segment) -> [String] {
        var ids: [String] = []
        var slot = lists[segment.rawValue].newest
        while slot >= 0 {
            ids.append(entries[Int(slot)].id)
            slot = entries[Int(slot)].older
        }
        return ids
    }

    /// Drops least recently used entries until probation is within its share (its own oldest)
    /// and the cache within its budget (protected's oldest, then probation's), never `slot`, the
    /// entry just made newest, which fits on its own.
    private mutating func evict(keeping slot: Int32) {
        let (protected, probation) = (Segment.protected.rawValue, Segment.probation.rawValue)
        while lists[probation].bytes > probationCapacity { remove(entries[Int(lists[probation].oldest)].id) }
        while usedBytes > capacity {
            let oldest = lists[protected].oldest
            remove(entries[Int(oldest >= 0 && oldest != slot ? oldest : lists[probation].oldest)].id)
        }
    }

    private mutating func unlink(_ slot: Int32) {
        let (newer, older) = (entries[Int(slot)].newer, entries[Int(slot)].older)
        let list = entries[Int(slot)].segment.rawValue
        if newer >= 0 { entries[Int(newer)].older = older } else { lists[list].newest = older }
        if older >= 0 { entries[Int(older)].newer = newer } else { lists[list].oldest = newer }
        lists[list].bytes -= entries[Int(slot)].bytes
        entries[Int(slot)].newer = -1
        entries[Int(slot)].older = -1
    }

    private mutating func push(_ slot: Int32, to segment: Segment) {
        let list = segment.rawValue
        entries[Int(slot)].segment = segment
        entries[Int(slot)].older = lists[list].newest
        if lists[list].newest >= 0 { entries[Int(lists[list].newest)].newer = slot }
        lists[list].newest = slot
        if lists[list].oldest < 0 { lists[list].oldest = slot }
        lists[list].bytes += entries[Int(slot)].bytes
    }
}
