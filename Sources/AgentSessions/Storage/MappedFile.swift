#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file's bytes in memory, mapped read-only from the page cache when every page of it
/// is there: decoding the index snapshot from it touches no fresh memory and copies nothing (a
/// `pread` of the 21 MB snapshot of 100,000 sessions into a new buffer took 25-90 ms here, the
/// mapping 2.4 ms; `Docs/Benchmarks.md`, fifteenth change).
///
/// A page that must be read from the disk is not mapped: a failed read of a mapped page is a
/// `SIGBUS`, not an error. So a file not wholly in the page cache, an empty one, or one the file
/// system cannot map is read into memory of its own instead, and a read error is a
/// ``StoreError/storageFailure(path:operation:errno:)``. The store replaces the snapshot by
/// `rename`, never in place, so the mapped bytes stay as they were; a file cut short in place by
/// another program while it is mapped would still fault (`Docs/StorageFormat.md`).
final class MappedFile {
    private enum Storage {
        case mapped(UnsafeRawBufferPointer)
        case read([UInt8])
    }

    private let storage: Storage

    /// Whether the bytes are the file's pages, mapped (else a copy of them).
    var mapped: Bool {
        if case .mapped = storage { true } else { false }
    }

    /// Runs `body` with the file's bytes, which stay valid until it returns (and not after:
    /// they go with this object, which the call keeps alive).
    func withBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        switch storage {
        case .mapped(let bytes): try body(bytes)
        case .read(let bytes): try bytes.withUnsafeBytes { raw in Result { () throws(E) -> R in try body(raw) } }.get()
        }
    }

    private init(_ storage: Storage) {
        self.storage = storage
    }

    /// Maps (or reads) the `size` bytes of the file open at `fd`, which may be closed afterwards.
    static func load(fd: Int32, size: Int, path: String) throws(StoreError) -> MappedFile {
        if size > 0, let address = POSIX.mapShared(fd, length: size) {
            if isResident(address, size) { return MappedFile(.mapped(UnsafeRawBufferPointer(start: address, count: size))) }
            POSIX.unmap(address, length: size)
        }
        return try MappedFile(.read(POSIX.pread(fd, count: size, at: 0, path: path)))
    }

    /// Whether every page of the mapping at `address` is in the page cache (`mincore`); false
    /// when that cannot be told.
    private static func isResident(_ address: UnsafeRawPointer, _ size: Int) -> Bool {
        let page = Int(getpagesize())
        var pages = [UInt8](repeating: 0, count: (size + page - 1) / page)
        let status = pages.withUnsafeMutableBufferPointer { vector in
            #if canImport(Darwin)
            vector.withMemoryRebound(to: CChar.self) { mincore(UnsafeMutableRawPointer(mutating: address), size, $0.baseAddress) }
            #else
            mincore(UnsafeMutableRawPointer(mutating: address), size, vector.baseAddress)
            #endif
        }
        return status == 0 && pages.allSatisfy { $0 & 1 != 0 }
    }

    deinit {
        if case .mapped(let bytes) = storage { POSIX.unmap(bytes.baseAddress!, length: bytes.count) }
    }
}
