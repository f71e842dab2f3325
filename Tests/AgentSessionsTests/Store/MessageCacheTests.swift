import Testing
@testable import AgentSessions

@Suite("MessageCache: a byte-bounded, scan-resistant LRU of stored-text messages")
struct MessageCacheTests {
    /// `count` one-line messages of `bytes` bytes of text in all (at least `{}` each).
    static func lines(_ count: Int, bytes: Int) -> (messages: [Message], bytes: Int) {
        let pad = max(0, bytes / count - 9)
        let line = #"{"p":""# + String(repeating: "x", count: pad) + "\"}\n"
        let text = Array(String(repeating: line, count: count).utf8)
        return (MessageLines.messages(ofStored: text), text.count)
    }

    static let per = MessageCache.perMessageBytes

    @Test("a hit returns the list and makes it the most recent; the least recent is evicted first")
    func recency() {
        let one = Self.lines(1, bytes: 100)
        let cost = one.bytes + Self.per
        var cache = MessageCache(capacity: 3 * cost, probation: 0)
        for id in ["a", "b", "c"] { cache.put(id, one.messages, bytes: one.bytes) }
        #expect(cache.ids(in: .protected) == ["c", "b", "a"])
        #expect(cache.get("a") == one.messages)
        #expect(cache.ids(in: .protected) == ["a", "c", "b"])
        cache.put("d", one.messages, bytes: one.bytes)
        #expect(cache.ids(in: .protected) == ["d", "a", "c"])
        #expect(cache.get("b") == nil)
        #expect(cache.usedBytes == 3 * cost)
    }

    @Test("the bound counts text plus a list element per message; a list over the whole budget is not cached")
    func bound() {
        let five = Self.lines(5, bytes: 500)
        var cache = MessageCache(capacity: five.bytes + 5 * Self.per, probation: 0)
        cache.put("a", five.messages, bytes: five.bytes)
        #expect(cache.usedBytes == five.bytes + 5 * Self.per)
        let six = Self.lines(6, bytes: 600)
        cache.put("b", six.messages, bytes: six.bytes)  // larger than the budget: not cached, "a" kept
        #expect(cache.ids(in: .protected) == ["a"])
        let small = Self.lines(1, bytes: 10)
        cache.put("c", small.messages, bytes: small.bytes)  // evicts "a" to fit
        #expect(cache.ids(in: .protected) == ["c"])
        #expect(cache.usedBytes == small.bytes + Self.per)
    }

    @Test("append extends a cached list and its size, and ignores an uncached id; remove and removeAll free the bytes")
    func appendAndRemove() {
        let two = Self.lines(2, bytes: 200), one = Self.lines(1, bytes: 50)
        var cache = MessageCache(capacity: 10_000, probation: 0)
        cache.put("a", two.messages, bytes: two.bytes)
        cache.put("b", one.messages, bytes: one.bytes)
        cache.append("a", one.messages, bytes: one.bytes)
        #expect(cache.get("a") == two.messages + one.messages)
        #expect(cache.usedBytes == two.bytes + 2 * one.bytes + 4 * Self.per)
        cache.append("zz", one.messages, bytes: one.bytes)
        #expect(cache.count == 2)
        cache.remove("a")
        #expect(cache.ids(in: .protected) == ["b"])
        #expect(cache.usedBytes == one.bytes + Self.per)
        cache.put("c", two.messages, bytes: two.bytes)  // reuses the freed slot
        #expect(cache.ids(in: .protected) == ["c", "b"])
        cache.removeAll()
        #expect(cache.count == 0 && cache.usedBytes == 0 && cache.ids(in: .protected).isEmpty)
    }

    @Test("a first read waits in probation, a second read or an append promotes it, and a pass of first reads takes only the probation share")
    func probation() {
        let one = Self.lines(1, bytes: 100)
        let cost = one.bytes + Self.per
        var cache = MessageCache(capacity: 10 * cost, probation: 2 * cost)
        for n in 0..<9 { cache.put("w\(n)", one.messages, bytes: one.bytes) }  // written: protected
        for n in 0..<50 { cache.put("r\(n)", one.messages, bytes: one.bytes, segment: .probation) }
        #expect(cache.ids(in: .probation) == ["r49", "r48"])
        #expect(cache.ids(in: .protected) == (1..<9).reversed().map { "w\($0)" })  // w0 made room
        #expect(cache.usedBytes == 10 * cost)
        let second = cache.get("r48")
        #expect(second == one.messages)
        #expect(cache.ids(in: .probation) == ["r49"])
        #expect(cache.ids(in: .protected) == ["r48"] + (1..<9).reversed().map { "w\($0)" })
        cache.append("r49", one.messages, bytes: one.bytes)  // one cost more: the oldest goes
        #expect(cache.ids(in: .probation).isEmpty)
        #expect(cache.ids(in: .protected) == ["r49", "r48"] + (2..<9).reversed().map { "w\($0)" })
        #expect(cache.usedBytes == 10 * cost)
        #expect(MessageCache(capacity: 64 << 20).probationCapacity == 4 << 20)
        // A write that needs more than protected's other entries can give takes probation's oldest.
        var full = MessageCache(capacity: 10 * cost, probation: 2 * cost)
        for id in ["r0", "r1"] { full.put(id, one.messages, bytes: one.bytes, segment: .probation) }
        let nine = Self.lines(9, bytes: 900)
        full.put("w", nine.messages, bytes: nine.bytes)
        #expect(full.ids(in: .protected) == ["w"] && full.ids(in: .probation) == ["r1"])
        #expect(full.usedBytes == 10 * cost)
    }

    @Test("a first read larger than the probation share is not cached, but its second read is (the last 32 such ids are remembered)")
    func largeFirstReads() {
        let one = Self.lines(1, bytes: 100), three = Self.lines(3, bytes: 300)
        var cache = MessageCache(capacity: 10 * (one.bytes + Self.per), probation: 2 * (one.bytes + Self.per))
        cache.put("big", three.messages, bytes: three.bytes, segment: .probation)
        #expect(cache.count == 0)
        cache.put("big", three.messages, bytes: three.bytes, segment: .probation)  // read again
        #expect(cache.ids(in: .protected) == ["big"])
        cache.removeAll()
        cache.put("big", three.messages, bytes: three.bytes, segment: .probation)
        for n in 0..<MessageCache.largeReadMemory { cache.put("big\(n)", three.messages, bytes: three.bytes, segment: .probation) }
        cache.put("big", three.messages, bytes: three.bytes, segment: .probation)  // forgotten: a first read again
        #expect(cache.count == 0)
        let newest = "big\(MessageCache.largeReadMemory - 1)"
        cache.put(newest, three.messages, bytes: three.bytes, segment: .probation)  // still remembered
        #expect(cache.ids(in: .protected) == [newest])
    }

    @Test("random operations (appends, promotions, both segments, large first reads) agree with a two-list LRU model",
          arguments: [(800, 240), (800, 0), (800, 800), (2_000, 120), (0, 0)])
    func model(capacity: Int, probation: Int) {
        var rng = SeededGenerator(seed: 5)
        let sizes = (0..<8).map { Self.lines(1 + $0 % 3, bytes: 40 + 30 * $0) }
        let size = { (n: Int) in sizes[n].bytes + sizes[n].messages.count * Self.per }
        var cache = MessageCache(capacity: capacity, probation: probation)
        var model: [[(id: String, size: Int)]] = [[], []]  // protected, probation; most recent first
        func bytes(_ list: [(id: String, size: Int)]) -> Int { list.reduce(0) { $0 + $1.size } }
        var largeReads: [String] = []  // first reads over the probation share, oldest first
        var content: [String: [Message]] = [:]  // what a hit must return
        func insert(_ id: String, _ entrySize: Int, _ segment: Int) {
            var segment = segment
            if segment == 1 && entrySize > probation {
                guard let seen = largeReads.firstIndex(of: id) else {
                    if largeReads.count == MessageCache.largeReadMemory { largeReads.removeFirst() }
                    return largeReads.append(id)
                }
                largeReads.remove(at: seen)
                segment = 0
            }
            guard entrySize <= capacity else { return }
            model[segment].insert((id, entrySize), at: 0)
            while bytes(model[1]) > probation { model[1].removeLast() }
            while bytes(model[0]) + bytes(model[1]) > capacity {
                if let last = model[0].last, last.id != id { model[0].removeLast() } else { model[1].removeLast() }
            }
        }
        func take(_ id: String) -> (segment: Int, size: Int)? {
            for segment in 0..<2 {
                if let i = model[segment].firstIndex(where: { $0.id == id }) { return (segment, model[segment].remove(at: i).size) }
            }
            return nil
        }
        for _ in 0..<5_000 {
            let id = "s\(Int.random(in: 0..<40, using: &rng))", n = Int(id.dropFirst())! % 8  // 40 ids: more large first reads than are remembered
            switch Int.random(in: 0..<5, using: &rng) {
            case 0:
                let hit = cache.get(id)
                if let (_, entrySize) = take(id) {
                    #expect(hit == content[id])
                    insert(id, entrySize, 0)
                } else {
                    #expect(hit == nil)
                }
            case 1, 2:
                let segment: MessageCache.Segment = Bool.random(using: &rng) ? .protected : .probation
                cache.put(id, sizes[n].messages, bytes: sizes[n].bytes, segment: segment)
                content[id] = sizes[n].messages
                _ = take(id)
                insert(id, size(n), segment.rawValue)
            case 3:
                let more = sizes[(n + 1) % 8]
                cache.append(id, more.messages, bytes: more.bytes)
                if let (_, entrySize) = take(id) {
                    content[id, default: []] += more.messages
                    insert(id, entrySize + more.bytes + more.messages.count * Self.per, 0)
                }
            default:
                cache.remove(id)
                _ = take(id)
            }
            #expect(cache.ids(in: .protected) == model[0].map(\.id))
            #expect(cache.ids(in: .probation) == model[1].map(\.id))
            #expect(cache.usedBytes == bytes(model[0]) + bytes(model[1]))
        }
    }
}
