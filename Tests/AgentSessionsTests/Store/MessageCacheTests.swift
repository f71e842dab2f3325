import Testing
@testable import AgentSessions

@Suite("MessageCache: a byte-bounded LRU of stored-text messages")
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
        var cache = MessageCache(capacity: 3 * cost)
        for id in ["a", "b", "c"] { cache.put(id, one.messages, bytes: one.bytes) }
        #expect(cache.idsByRecency == ["c", "b", "a"])
        #expect(cache.get("a") == one.messages)
        #expect(cache.idsByRecency == ["a", "c", "b"])
        cache.put("d", one.messages, bytes: one.bytes)
        #expect(cache.idsByRecency == ["d", "a", "c"])
        #expect(cache.get("b") == nil)
        #expect(cache.usedBytes == 3 * cost)
    }

    @Test("the bound counts text plus a list element per message; a list over the whole budget is not cached")
    func bound() {
        let five = Self.lines(5, bytes: 500)
        var cache = MessageCache(capacity: five.bytes + 5 * Self.per)
        cache.put("a", five.messages, bytes: five.bytes)
        #expect(cache.usedBytes == five.bytes + 5 * Self.per)
        let six = Self.lines(6, bytes: 600)
        cache.put("b", six.messages, bytes: six.bytes)  // larger than the budget: not cached, "a" kept
        #expect(cache.idsByRecency == ["a"])
        let small = Self.lines(1, bytes: 10)
        cache.put("c", small.messages, bytes: small.bytes)  // evicts "a" to fit
        #expect(cache.idsByRecency == ["c"])
        #expect(cache.usedBytes == small.bytes + Self.per)
    }

    @Test("append extends a cached list and its size, and ignores an uncached id; remove and removeAll free the bytes")
    func appendAndRemove() {
        let two = Self.lines(2, bytes: 200), one = Self.lines(1, bytes: 50)
        var cache = MessageCache(capacity: 10_000)
        cache.put("a", two.messages, bytes: two.bytes)
        cache.put("b", one.messages, bytes: one.bytes)
        cache.append("a", one.messages, bytes: one.bytes)
        #expect(cache.get("a") == two.messages + one.messages)
        #expect(cache.usedBytes == two.bytes + 2 * one.bytes + 4 * Self.per)
        cache.append("zz", one.messages, bytes: one.bytes)
        #expect(cache.count == 2)
        cache.remove("a")
        #expect(cache.idsByRecency == ["b"])
        #expect(cache.usedBytes == one.bytes + Self.per)
        cache.put("c", two.messages, bytes: two.bytes)  // reuses the freed slot
        #expect(cache.idsByRecency == ["c", "b"])
        cache.removeAll()
        #expect(cache.count == 0 && cache.usedBytes == 0 && cache.idsByRecency.isEmpty)
    }

    @Test("random operations (appends included) agree with a plain LRU model")
    func model() {
        var rng = SeededGenerator(seed: 5)
        let sizes = (0..<8).map { Self.lines(1 + $0 % 3, bytes: 40 + 30 * $0) }
        var cache = MessageCache(capacity: 700)
        var model: [(id: String, size: Int)] = []  // most recent first
        for _ in 0..<5_000 {
            let n = Int.random(in: 0..<8, using: &rng), id = "s\(n)"
            switch Int.random(in: 0..<4, using: &rng) {
            case 0:
                let hit = cache.get(id)
                if let i = model.firstIndex(where: { $0.id == id }) {
                    #expect(hit != nil)
                    model.insert(model.remove(at: i), at: 0)
                } else {
                    #expect(hit == nil)
                }
            case 1:
                cache.put(id, sizes[n].messages, bytes: sizes[n].bytes)
                model.removeAll { $0.id == id }
                let size = sizes[n].bytes + sizes[n].messages.count * Self.per
                while model.reduce(0, { $0 + $1.size }) + size > 700, !model.isEmpty { model.removeLast() }
                model.insert((id, size), at: 0)
            case 2:
                let more = sizes[(n + 1) % 8]
                cache.append(id, more.messages, bytes: more.bytes)
                if let i = model.firstIndex(where: { $0.id == id }) {
                    let size = model.remove(at: i).size + more.bytes + more.messages.count * Self.per
                    if size <= 700 {
                        while model.reduce(0, { $0 + $1.size }) + size > 700 { model.removeLast() }
                        model.insert((id, size), at: 0)
                    }
                }
            default:
                cache.remove(id)
                model.removeAll { $0.id == id }
            }
            #expect(cache.idsByRecency == model.map(\.id))
            #expect(cache.usedBytes == model.reduce(0) { $0 + $1.size })
        }
    }
}
