import Testing
@testable import AgentSessions

@Suite("SortedKeys: chunked sorted keys against a plain sorted array")
struct SortedKeysTests {
    /// Row `r`'s session id; rows are ordered by key, then by this id bytewise.
    static func id(_ row: Int32) -> String { "id\(row)" }

    static func less(_ a: SortedKeys.Element, _ b: SortedKeys.Element) -> Bool {
        a.key != b.key ? a.key < b.key : id(a.row).utf8.lexicographicallyPrecedes(id(b.row).utf8)
    }

    @Test("random inserts and removals keep every query equal to the reference", arguments: [2, 3, 4, 16])
    func randomOperations(_ capacity: Int) {
        var keys = SortedKeys(chunkCapacity: capacity)
        var reference: [SortedKeys.Element] = []
        var state: UInt64 = UInt64(capacity) &* 0x9E37_79B9_7F4A_7C15
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        for step in 0..<3_000 {
            // Few keys and rows, so that equal keys (ordered by id) are common.
            let element = SortedKeys.Element(key: Double(next(40)), row: Int32(next(60)))
            if next(3) == 0, !reference.isEmpty {
                let removed = reference.remove(at: next(reference.count))
                keys.remove(removed, id: Self.id(removed.row), ids: Self.id)
            } else if !reference.contains(where: { $0.row == element.row }) {  // a row is held once
                reference.append(element)
                reference.sort(by: Self.less)
                keys.insert(element, id: Self.id(element.row), ids: Self.id)
            }
            // Removing what is not held (a wrong key for a held row) changes nothing.
            if let held = reference.first {
                keys.remove(SortedKeys.Element(key: held.key + 0.5, row: held.row), id: Self.id(held.row), ids: Self.id)
            }
            #expect(keys.count == reference.count)
            if step % 50 == 0 {
                #expect((0..<keys.count).map { keys[$0] } == reference)
                let lower = next(reference.count + 1), upper = lower + next(reference.count - lower + 1)
                var visited: [SortedKeys.Element] = []
                keys.forEach(in: lower..<upper) { visited.append($0) }
                #expect(visited == Array(reference[lower..<upper]))
                let descendingReference = reference.sorted {
                    $0.key != $1.key ? $0.key > $1.key : Self.id($0.row).utf8.lexicographicallyPrecedes(Self.id($1.row).utf8)
                }
                // Every limit (ties cut anywhere) with a random selection of rows.
                let included = Set((0..<60).filter { _ in next(2) == 0 }.map(Int32.init))
                for limit in [0, 1, 2, 5, reference.count, reference.count + 3, Int.max] {
                    let expectedUp = reference.filter { included.contains($0.row) }.prefix(limit == .max ? limit : limit + 1)
                    let expectedDown = descendingReference.filter { included.contains($0.row) }.prefix(limit == .max ? limit : limit + 1)
                    #expect(keys.select(descending: false, limit: limit) { included.contains($0) } == Array(expectedUp))
                    #expect(keys.select(descending: true, limit: limit) { included.contains($0) } == Array(expectedDown))
                }
                for probe in 0..<42 {
                    let key = Double(probe) - 0.5 + Double(probe % 2) * 0.5
                    #expect(keys.position(ofKey: key, strict: false) == reference.firstIndex { $0.key >= key } ?? reference.count)
                    #expect(keys.position(ofKey: key, strict: true) == reference.firstIndex { $0.key > key } ?? reference.count)
                }
            }
        }
        var rebuilt = SortedKeys(chunkCapacity: capacity)
        rebuilt.reset(sorted: reference)
        #expect((0..<rebuilt.count).map { rebuilt[$0] } == reference)
    }
}
