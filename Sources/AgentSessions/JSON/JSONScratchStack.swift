/// A growable stack of pending elements that hands out exact-size arrays by moving.
///
/// The parser pushes the elements of an open array or object here and, at the
/// closing bracket, moves them into a new array of exactly the right size: one
/// allocation per container and no retain/release traffic for the move. The
/// storage is owned by this value (it is `~Copyable`) and freed in `deinit`.
struct JSONScratchStack<Element>: ~Copyable {
    private var storage: UnsafeMutablePointer<Element>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        storage = UnsafeMutablePointer<Element>.allocate(capacity: self.capacity)
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    @inline(__always)
    mutating func push(_ element: consuming Element) {
        if count == capacity { grow() }
        (storage + count).initialize(to: element)
        count += 1
    }

    private mutating func grow() {
        let newCapacity = capacity * 2
        let newStorage = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        newStorage.moveInitialize(from: storage, count: count)
        storage.deallocate()
        storage = newStorage
        capacity = newCapacity
    }

    /// Moves the elements from `start` to the top into a new array and pops them.
    /// (Always inlined so that it is specialised: the generic version looks up the
    /// array storage metadata at run time on every call.)
    @inline(__always)
    mutating func popArray(from start: Int) -> [Element] {
        let n = count - start
        let source = storage + start
        let array = [Element](unsafeUninitializedCapacity: n) { buffer, initialized in
            buffer.baseAddress!.moveInitialize(from: source, count: n)
            initialized = n
        }
        count = start
        return array
    }

    /// Destroys every element (keeps the storage).
    mutating func removeAll() {
        storage.deinitialize(count: count)
        count = 0
    }
}
