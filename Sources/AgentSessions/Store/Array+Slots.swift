extension Array {
    /// Stores `element` in a slot given back earlier (popped from `free`) or at the end, and
    /// returns its slot: the free-list allocation behind the index's rows and the cache's entries.
    mutating func store(_ element: Element, reusing free: inout [Int32]) -> Int32 {
        if let slot = free.popLast() {
            self[Int(slot)] = element
            return slot
        }
        append(element)
        return Int32(count - 1)
    }
}
