/// A sorted array of `(key, id)` pairs: the ordered structure behind date, cost and recency search.
///
/// Ascending by key, ties by id ascending (bytewise). Lookups are binary searches;
/// inserting or removing moves the tail of the array (a `memmove`), which stays cheap for
/// the sizes this store is built for (10^5 sessions: a few hundred KiB moved at worst).
struct SortedKeys: Sendable {
    struct Element: Sendable, Equatable {
        var key: Double
        var id: String
    }

    private(set) var elements: [Element] = []

    var count: Int { elements.count }

    static func less(_ a: Element, _ b: Element) -> Bool {
        if a.key != b.key { return a.key < b.key }
        return a.id.utf8.lexicographicallyPrecedes(b.id.utf8)
    }

    /// The first position whose element is not less than `element`.
    func lowerBound(_ element: Element) -> Int {
        var low = 0, high = elements.count
        while low < high {
            let mid = (low + high) / 2
            if Self.less(elements[mid], element) { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The first position whose key is `>= key` (`strict: false`) or `> key` (`strict: true`).
    func position(ofKey key: Double, strict: Bool) -> Int {
        var low = 0, high = elements.count
        while low < high {
            let mid = (low + high) / 2
            let k = elements[mid].key
            if strict ? k <= key : k < key { low = mid + 1 } else { high = mid }
        }
        return low
    }

    mutating func insert(key: Double, id: String) {
        let element = Element(key: key, id: id)
        elements.insert(element, at: lowerBound(element))
    }

    mutating func remove(key: Double, id: String) {
        let element = Element(key: key, id: id)
        let position = lowerBound(element)
        if position < elements.count, elements[position] == element { elements.remove(at: position) }
    }

    /// Replaces the whole content; `unsorted` is sorted here.
    mutating func reset(_ unsorted: [Element]) {
        elements = unsorted.sorted(by: Self.less)
    }

    subscript(position: Int) -> Element { elements[position] }
}
