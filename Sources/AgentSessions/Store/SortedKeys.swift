/// A sorted sequence of `(key, id)` pairs: the ordered structure behind date, cost and recency search.
///
/// Ascending by key, ties by id ascending (bytewise). Stored as a list of sorted chunks of at
/// most `chunkCapacity` elements, so an insert or removal moves at most one chunk (a few KiB)
/// instead of the tail of one large array; positions are global (0..<count), found through the
/// chunks' running start offsets.
struct SortedKeys: Sendable {
    /// The largest chunk before it is split in two (1,024 by default; small in tests).
    let chunkCapacity: Int

    init(chunkCapacity: Int = 1024) {
        precondition(chunkCapacity >= 2)
        self.chunkCapacity = chunkCapacity
    }

    struct Element: Sendable, Equatable {
        var key: Double
        var id: String
        /// The record's row in ``SessionIndex`` (not part of the order).
        var row: Int32 = 0
    }

    private var chunks: [[Element]] = []
    /// `starts[c]` is the global position of `chunks[c][0]`.
    private var starts: [Int] = []
    private(set) var count = 0

    static func less(_ a: Element, _ b: Element) -> Bool {
        if a.key != b.key { return a.key < b.key }
        return a.id.utf8.lexicographicallyPrecedes(b.id.utf8)
    }

    private mutating func reindex() {
        starts.removeAll(keepingCapacity: true)
        var total = 0
        for chunk in chunks {
            starts.append(total)
            total += chunk.count
        }
        count = total
    }

    /// The chunk whose range should hold an element for which `isBefore` is false at its last element.
    private func chunkIndex(where isBefore: (Element) -> Bool) -> Int {
        var low = 0, high = chunks.count
        while low < high {
            let mid = (low + high) / 2
            if isBefore(chunks[mid][chunks[mid].count - 1]) { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The first global position whose element does not satisfy `isBefore` (which must be true
    /// for a prefix of the order and false after it).
    private func partition(_ isBefore: (Element) -> Bool) -> Int {
        let c = chunkIndex(where: isBefore)
        guard c < chunks.count else { return count }
        let chunk = chunks[c]
        var low = 0, high = chunk.count
        while low < high {
            let mid = (low + high) / 2
            if isBefore(chunk[mid]) { low = mid + 1 } else { high = mid }
        }
        return starts[c] + low
    }

    /// The first position whose element is not less than `element`.
    func lowerBound(_ element: Element) -> Int { partition { Self.less($0, element) } }

    /// The first position whose key is `>= key` (`strict: false`) or `> key` (`strict: true`).
    func position(ofKey key: Double, strict: Bool) -> Int {
        partition { strict ? $0.key <= key : $0.key < key }
    }

    mutating func insert(key: Double, id: String, row: Int32 = 0) {
        let element = Element(key: key, id: id, row: row)
        if chunks.isEmpty {
            chunks = [[element]]
            reindex()
            return
        }
        let c = min(chunkIndex { Self.less($0, element) }, chunks.count - 1)
        var low = 0, high = chunks[c].count
        while low < high {
            let mid = (low + high) / 2
            if Self.less(chunks[c][mid], element) { low = mid + 1 } else { high = mid }
        }
        chunks[c].insert(element, at: low)
        if chunks[c].count > chunkCapacity {
            let upper = Array(chunks[c][(chunkCapacity / 2)...])
            chunks[c].removeLast(upper.count)
            chunks.insert(upper, at: c + 1)
        }
        reindex()
    }

    mutating func remove(key: Double, id: String) {
        let element = Element(key: key, id: id)
        let c = chunkIndex { Self.less($0, element) }
        guard c < chunks.count else { return }
        var low = 0, high = chunks[c].count
        while low < high {
            let mid = (low + high) / 2
            if Self.less(chunks[c][mid], element) { low = mid + 1 } else { high = mid }
        }
        guard low < chunks[c].count, chunks[c][low].key == key, chunks[c][low].id == id else { return }
        chunks[c].remove(at: low)
        if chunks[c].isEmpty { chunks.remove(at: c) }
        reindex()
    }

    /// Replaces the whole content; `unsorted` is sorted here.
    mutating func reset(_ unsorted: [Element]) {
        reset(sorted: unsorted.sorted(by: Self.less))
    }

    /// Replaces the whole content with elements already in order.
    mutating func reset(sorted: [Element]) {
        let half = chunkCapacity / 2
        chunks = stride(from: 0, to: sorted.count, by: half).map { Array(sorted[$0..<min($0 + half, sorted.count)]) }
        reindex()
    }

    /// Calls `body` with the elements at `range`, in order, walking the chunks directly.
    func forEach(in range: Range<Int>, _ body: (Element) -> Void) {
        guard !range.isEmpty else { return }
        var c = chunk(containing: range.lowerBound)
        var offset = range.lowerBound - starts[c]
        var remaining = range.count
        while remaining > 0 {
            let chunk = chunks[c]
            let take = min(remaining, chunk.count - offset)
            for i in offset..<offset + take { body(chunk[i]) }
            remaining -= take
            c += 1
            offset = 0
        }
    }

    /// Calls `body` with every element in ascending order, or in descending key order with
    /// equal keys still id-ascending, until `body` returns false.
    func forEachOrdered(descending: Bool, _ body: (Element) -> Bool) {
        if !descending {
            for chunk in chunks { for element in chunk where !body(element) { return } }
            return
        }
        var run: [Element] = []  // equal keys met backwards, emitted id-ascending once complete
        for c in chunks.indices.reversed() {
            let chunk = chunks[c]
            for i in chunk.indices.reversed() {
                let element = chunk[i]
                let previousKey = i > 0 ? chunk[i - 1].key : (c > 0 ? chunks[c - 1][chunks[c - 1].count - 1].key : nil)
                if run.isEmpty && previousKey != element.key {
                    if !body(element) { return }  // the common case: no tie
                    continue
                }
                run.append(element)
                if previousKey != element.key {
                    for held in run.reversed() where !body(held) { return }
                    run.removeAll(keepingCapacity: true)
                }
            }
        }
    }

    private func chunk(containing position: Int) -> Int {
        var low = 0, high = starts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if starts[mid] <= position { low = mid } else { high = mid - 1 }
        }
        return low
    }

    subscript(position: Int) -> Element {
        let c = chunk(containing: position)
        return chunks[c][position - starts[c]]
    }
}
