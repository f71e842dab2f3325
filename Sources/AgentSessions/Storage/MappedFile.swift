/// A whole file's bytes in memory, mapped read-only from the page cache: decoding the index
/// snapshot from it touches no fresh memory and copies nothing (a `pread` of a 21 MB snapshot
/// into a new buffer took 25-90 ms here, the mapping 2.4 ms; `Docs/Benchmarks.md`).
///
/// The store replaces the files it maps by `rename`, never in place, so the mapped bytes stay
/// as they were while they are read. An empty file, or one the file system cannot map, is read
/// into memory of its own instead.
final class MappedFile {
    private let bytes: UnsafeRawBufferPointer
    private let mapped: Bool

    /// Runs `body` with the file's bytes, which stay valid until it returns (and not after:
    /// they go with this object, which the call keeps alive).
    func withBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(bytes)
    }

    /// Maps (or reads) the `size` bytes of the file open at `fd`, which may be closed afterwards.
    init(fd: Int32, size: Int, path: String) throws(StoreError) {
        if size > 0, let address = POSIX.mapShared(fd, length: size) {
            bytes = UnsafeRawBufferPointer(start: address, count: size)
            mapped = true
        } else {
            let read = try POSIX.pread(fd, count: size, at: 0, path: path)
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: read.count, alignment: 8)
            copy.copyBytes(from: read)
            bytes = UnsafeRawBufferPointer(copy)
            mapped = false
        }
    }

    deinit {
        if mapped {
            POSIX.unmap(bytes.baseAddress!, length: bytes.count)
        } else {
            bytes.deallocate()
        }
    }
}
