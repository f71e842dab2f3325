/// A least-recently-used cache of decoded message lists, bounded by an estimate of the memory
/// they take: ``decodedSizeFactor`` times the bytes of JSON text they came from.
///
/// Pure and single-threaded: ``SessionTable`` owns one behind its lock. A list larger than
/// the whole budget is not cached at all.
struct MessageCache {
    private struct Entry {
        var messages: [Message]
        var bytes: Int
        var previous: String?
        var next: String?
    }

    let capacity: Int
    private(set) var usedBytes = 0
    private var entries: [String: Entry] = [:]
    private var newest: String?
    private var oldest: String?

    /// Decoded messages (`JSONValue` trees) take about this many times the bytes of their JSON
    /// text: measured 2.9 on the shared benchmark corpus (read-process RSS with and without cache).
    static let decodedSizeFactor = 3

    init(capacity: Int) { self.capacity = capacity }

    var count: Int { entries.count }

    /// The cached messages of `id`, marking them most recently used.
    mutating func get(_ id: String) -> [Message]? {
        guard let entry = entries[id] else { return nil }
        moveToFront(id)
        return entry.messages
    }

    /// Caches `messages` (which came from `bytes` bytes of JSON lines), evicting the least recently used.
    mutating func put(_ id: String, _ messages: [Message], bytes textBytes: Int) {
        remove(id)
        let bytes = textBytes * Self.decodedSizeFactor
        guard bytes <= capacity else { return }
        entries[id] = Entry(messages: messages, bytes: bytes, previous: nil, next: newest)
        if let newest { entries[newest]?.previous = id }
        newest = id
        if oldest == nil { oldest = id }
        usedBytes += bytes
        while usedBytes > capacity, let victim = oldest { remove(victim) }
    }

    /// Extends a cached list in place (after an append); drops it if it is not cached.
    mutating func append(_ id: String, _ messages: [Message], bytes: Int) {
        guard let entry = entries[id] else { return }
        put(id, entry.messages + messages, bytes: entry.bytes / Self.decodedSizeFactor + bytes)
    }

    mutating func remove(_ id: String) {
        guard let entry = entries.removeValue(forKey: id) else { return }
        usedBytes -= entry.bytes
        if let previous = entry.previous { entries[previous]?.next = entry.next } else { newest = entry.next }
        if let next = entry.next { entries[next]?.previous = entry.previous } else { oldest = entry.previous }
    }

    mutating func removeAll() {
        entries = [:]
        newest = nil
        oldest = nil
        usedBytes = 0
    }

    private mutating func moveToFront(_ id: String) {
        guard newest != id, let entry = entries[id] else { return }
        if let previous = entry.previous { entries[previous]?.next = entry.next }
        if let next = entry.next { entries[next]?.previous = entry.previous } else { oldest = entry.previous }
        entries[id]?.previous = nil
        entries[id]?.next = newest
        if let newest { entries[newest]?.previous = id }
        newest = id
    }
}
