/// A sorted sequence of `(key, row)` pairs: the ordered structure behind date, cost and recency search.
///
/// Ascending by key, ties by the rows' session ids ascending (bytewise). Elements hold row
/// numbers of ``SessionIndex``, not ids (16 bytes, nothing to reference-count); the few
/// operations that must order equal keys ask the caller for a row's id. Stored as a list of
/// sorted chunks of at most `chunkCapacity` elements, so an insert or removal moves at most one
/// chunk (a few KiB) instead of the tail of one large array; positions are global
/// (0..<count), found through the chunks' running start offsets.
struct SortedKeys: Sendable {
    /// The largest chunk before it is split in two (1,024 by default; small in tests).
    let chunkCapacity: Int

    init(chunkCapacity: Int = 1024) {
        precondition(chunkCapacity >= 2)
        self.chunkCapacity = chunkCapacity
    }

    struct Element: Sendable, Equatable {
        var key: Double
        /// The record's row in ``SessionIndex``.
        var row: Int32
    }

    private var chunks: [[Element]] = []
    /// `starts[c]` is the global position of `chunks[c][0]`.
    private var starts: [Int] = []
    private(set) var count = 0

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

    /// The chunk and offset of the first element that does not satisfy `isBefore` (which must
    /// be true for a prefix of the order and false after it); `(chunks.count, 0)` past the end.
    private func locate(_ isBefore: (Element) -> Bool) -> (chunk: Int, offset: Int) {
        let c = chunkIndex(where: isBefore)
        guard c < chunks.count else { return (c, 0) }
        var low = 0, high = chunks[c].count
        while low < high {
            let mid = (low + high) / 2
            if isBefore(chunks[c][mid]) { low = mid + 1 } else { high = mid }
        }
        return (c, low)
    }

    /// Where `(key, id)` is or would go.
    private func locate(key: Double, id: String, ids: (Int32) -> String) -> (chunk: Int, offset: Int) {
        locate { $0.key < key || ($0.key == key && ids($0.row).utf8.lexicographicallyPrecedes(id.utf8)) }
    }

    /// The first position whose key is `>= key` (`strict: false`) or `> key` (`strict: true`).
    func position(ofKey key: Double, strict: Bool) -> Int {
        let (c, offset) = locate { strict ? $0.key <= key : $0.key < key }
        return c < chunks.count ? starts[c] + offset : count
    }

    /// Inserts `element`, whose session id is `id`; `ids` gives the id of any row already held.
    mutating func insert(_ element: Element, id: String, ids: (Int32) -> String) {
        if chunks.isEmpty {
            chunks = [[element]]
            reindex()
            return
        }
        var (c, low) = locate(key: element.key, id: id, ids: ids)
        if c == chunks.count {  // after everything: at the end of the last chunk
            c -= 1
            low = chunks[c].count
        }
        chunks[c].insert(element, at: low)
        if chunks[c].count > chunkCapacity {
            let upper = Array(chunks[c][(chunkCapacity / 2)...])
            chunks[c].removeLast(upper.count)
            chunks.insert(upper, at: c + 1)
        }
        reindex()
    }

    /// Removes `element`, whose session id is `id`, if it is held.
    mutating func remove(_ element: Element, id: String, ids: (Int32) -> String) {
        let (c, low) = locate(key: element.key, id: id, ids: ids)
        guard c < chunks.count, low < chunks[c].count, chunks[c][low] == element else { return }
        chunks[c].remove(at: low)
        if chunks[c].isEmpty { chunks.remove(at: c) }
        reindex()
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

    /// The first `limit + 1` elements whose rows `isIncluded` accepts (fewer if there are not
    /// that many), in ascending order or in descending key order with equal keys still
    /// id-ascending: the extra one tells the caller that more follow.
    func select(descending: Bool, limit: Int, where isIncluded: (Int32) -> Bool) -> [Element] {
        var picked: [Element] = []
        if !descending {
            for chunk in chunks {
                for element in chunk where isIncluded(element.row) {
                    picked.append(element)
                    if picked.count > limit { return picked }
                }
            }
            return picked
        }
        // Backwards, a run of equal keys comes id-descending: finish the run that holds the last
        // element needed, then reverse each run.
        collect: for chunk in chunks.reversed() {
            for element in chunk.reversed() where isIncluded(element.row) {
                if picked.count > limit, element.key != picked[picked.count - 1].key { break collect }
                picked.append(element)
            }
        }
        var start = 0
        while start < picked.count {
            var end = start + 1
            while end < picked.count, picked[end].key == picked[start].key { end += 1 }
            if end - start > 1 { picked[start..<end].reverse() }
            start = end
        }
        if picked.count - 1 > limit { picked.removeLast(picked.count - 1 - limit) }  // (limit may be Int.max)
        return picked
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
