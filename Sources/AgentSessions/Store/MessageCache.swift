/// A least-recently-used cache of message lists, bounded by the memory they take: their stored
/// JSON text plus ``perMessageBytes`` per message.
///
/// Cached messages hold their stored text (``Message/init(validatedText:)``), not decoded trees,
/// so the bound is close to the real memory used. Entries live in an array linked by slot
/// numbers, so a hit costs one dictionary lookup (the id's hash) and a few array writes.
///
/// Pure and single-threaded: ``SessionTable`` owns one behind its lock. A list larger than
/// the whole budget is not cached at all.
struct MessageCache {
    private struct Entry {
        var id: String
        var messages: [Message]
        var bytes: Int
        var newer: Int32 = -1
        var older: Int32 = -1
    }

    /// What a cached message takes besides its text: its element in the list.
    static let perMessageBytes = MemoryLayout<Message>.stride

    let capacity: Int
    private(set) var usedBytes = 0
    private var slots: [String: Int32] = [:]
    private var entries: [Entry] = []
    private var free: [Int32] = []
    private var newest: Int32 = -1
    private var oldest: Int32 = -1

    init(capacity: Int) { self.capacity = capacity }

    var count: Int { slots.count }

    /// The cached messages of `id`, marking them most recently used.
    mutating func get(_ id: String) -> [Message]? {
        guard let slot = slots[id] else { return nil }
        if slot != newest {
            unlink(slot)
            pushNewest(slot)
        }
        return entries[Int(slot)].messages
    }

    /// Caches `messages` (which came from `bytes` bytes of JSON lines), evicting the least recently used.
    mutating func put(_ id: String, _ messages: [Message], bytes textBytes: Int) {
        remove(id)
        let bytes = textBytes + messages.count * Self.perMessageBytes
        guard bytes <= capacity else { return }
        while usedBytes + bytes > capacity, oldest >= 0 { remove(entries[Int(oldest)].id) }
        let slot = entries.store(Entry(id: id, messages: messages, bytes: bytes), reusing: &free)
        slots[id] = slot
        pushNewest(slot)
        usedBytes += bytes
    }

    /// Extends a cached list in place (after an append); does nothing if it is not cached.
    /// It becomes the most recently used; if it no longer fits the whole budget it is dropped.
    mutating func append(_ id: String, _ messages: [Message], bytes: Int) {
        guard let slot = slots[id] else { return }
        let added = bytes + messages.count * Self.perMessageBytes
        guard entries[Int(slot)].bytes + added <= capacity else { return remove(id) }
        entries[Int(slot)].messages.append(contentsOf: messages)
        entries[Int(slot)].bytes += added
        usedBytes += added
        if newest != slot {
            unlink(slot)
            pushNewest(slot)
        }
        // The entry is the newest and fits on its own, so only older ones are evicted.
        while usedBytes > capacity { remove(entries[Int(oldest)].id) }
    }

    mutating func remove(_ id: String) {
        guard let slot = slots.removeValue(forKey: id) else { return }
        unlink(slot)
        usedBytes -= entries[Int(slot)].bytes
        entries[Int(slot)] = Entry(id: "", messages: [], bytes: 0)
        free.append(slot)
    }

    mutating func removeAll() {
        self = MessageCache(capacity: capacity)
    }

    /// The cached ids, most recently used first (for tests).
    var idsByRecency: [String] {
        var ids: [String] = []
        var slot = newest
        while slot >= 0 {
            ids.append(entries[Int(slot)].id)
            slot = entries[Int(slot)].older
        }
        return ids
    }

    private mutating func unlink(_ slot: Int32) {
        let (newer, older) = (entries[Int(slot)].newer, entries[Int(slot)].older)
        if newer >= 0 { entries[Int(newer)].older = older } else { newest = older }
        if older >= 0 { entries[Int(older)].newer = newer } else { oldest = newer }
        entries[Int(slot)].newer = -1
        entries[Int(slot)].older = -1
    }

    private mutating func pushNewest(_ slot: Int32) {
        entries[Int(slot)].older = newest
        if newest >= 0 { entries[Int(newest)].newer = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
    }
}
