import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if os(Linux)
// `syncfs(2)` is declared by glibc only under _GNU_SOURCE, which the Glibc module does not set.
@_silgen_name("syncfs") private func linuxSyncfs(_ fd: Int32) -> Int32
#endif

/// Thin wrappers over the POSIX calls the file backend needs, turning `-1` into
/// ``StoreError/storageFailure(path:operation:errno:)`` with the path and the OS error.
enum POSIX {
    static func fail(_ operation: String, _ path: String) -> StoreError {
        .storageFailure(path: path, operation: operation, errno: errno)
    }

    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o600) throws(StoreError) -> Int32 {
        while true {
            let fd = Foundation.open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw fail("open", path) }
        }
    }

    static func close(_ fd: Int32) { _ = Foundation.close(fd) }

    /// Opens a file of the store (or an archive) that must be a regular file: a symbolic link is
    /// not followed and a FIFO is not waited on, and anything but a regular file (a symbolic link,
    /// a directory, a FIFO, a socket, a device) is refused.
    /// - Parameters:
    ///   - path: the file.
    ///   - flags: the access mode and any `O_CREAT`/`O_TRUNC`; `O_NOFOLLOW`, `O_NOCTTY` and
    ///     `O_NONBLOCK` are added (the last changes nothing for a regular file, except that an
    ///     open that would wait for a lease to break fails: it is then opened again without it).
    /// - Returns: the descriptor and the file's size.
    /// - Throws: ``StoreError/unsafePath(path:reason:)`` when `path` is not a regular file;
    ///   ``StoreError/storageFailure(path:operation:errno:)`` otherwise (`ENOENT` when it does not
    ///   exist and `flags` does not create it).
    static func openFile(_ path: String, _ flags: Int32) throws(StoreError) -> (fd: Int32, size: Int) {
        var fd: Int32
        do { fd = try open(path, flags | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK) } catch {
            guard case .storageFailure(_, _, let code) = error else { throw error }
            // ELOOP: a symbolic link; EISDIR: a directory opened for writing; ENXIO: a FIFO without
            // a reader opened for writing, or a socket (EOPNOTSUPP on macOS); ENOTDIR: a file in
            // the place of a directory.
            if [ELOOP, EISDIR, ENXIO, EOPNOTSUPP, ENOTDIR].contains(code) { throw notRegular(path) }
            // A lease held by another program (a FIFO never answers so): wait for it as usual.
            guard code == EWOULDBLOCK else { throw error }
            fd = try open(path, flags | O_NOFOLLOW | O_NOCTTY)
        }
        var info = stat()
        if fstat(fd, &info) != 0 {
            let failure = fail("fstat", path)
            close(fd)
            throw failure
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw notRegular(path)
        }
        return (fd, Int(info.st_size))
    }

    /// Checks, without opening it, that `path` is a regular file (a symbolic link is not
    /// followed) that this process may write: what opening it for writing with
    /// ``openFile(_:_:)`` would refuse is refused before anything depends on it.
    /// - Throws: ``StoreError/unsafePath(path:reason:)`` when `path` is not a regular file;
    ///   ``StoreError/readOnly(path:)`` when it may not be written (permissions, an immutable
    ///   file, a read-only file system); ``StoreError/storageFailure(path:operation:errno:)``
    ///   otherwise (`lstat` with `ENOENT` when it does not exist).
    static func checkWritableFile(_ path: String) throws(StoreError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw fail("lstat", path) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw notRegular(path) }
        guard faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == 0 else {
            let code = errno
            if [EACCES, EPERM, EROFS].contains(code) { throw .readOnly(path: path) }
            throw .storageFailure(path: path, operation: "faccessat", errno: code)
        }
    }

    private static func notRegular(_ path: String) -> StoreError {
        .unsafePath(path: path, reason: "it is not a regular file (a symbolic link, a directory, a FIFO, a socket or a device); move it away")
    }

    /// Maps the first `length` bytes of `fd` read-only and shared (other processes' writes show
    /// through); `nil` if the file system cannot map it.
    static func mapShared(_ fd: Int32, length: Int) -> UnsafeRawPointer? {
        guard let address = mmap(nil, length, PROT_READ, MAP_SHARED, fd, 0),
              address != UnsafeMutableRawPointer(bitPattern: -1) else { return nil }
        return UnsafeRawPointer(address)
    }

    static func unmap(_ address: UnsafeRawPointer, length: Int) {
        _ = munmap(UnsafeMutableRawPointer(mutating: address), length)
    }

    /// Writes all of `bytes` at `offset`, retrying short writes and EINTR.
    static func pwriteAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String) throws(StoreError) {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw fail("pwrite", path)
            }
            done += n
        }
    }

    static func pwriteAll(_ fd: Int32, _ bytes: [UInt8], at offset: Int, path: String) throws(StoreError) {
        let result: Result<Void, StoreError> = bytes.withUnsafeBytes { buffer in
            Result { () throws(StoreError) in try pwriteAll(fd, buffer, at: offset, path: path) }
        }
        try result.get()
    }

    /// Reads exactly `count` bytes at `offset`; fewer only at end of file.
    static func pread(_ fd: Int32, count: Int, at offset: Int, path: String) throws(StoreError) -> [UInt8] {
        var failure: StoreError?
        // Uninitialised storage: the bytes are read straight into it, with no zero-fill first.
        let result = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var done = 0
            while done < count {
                let n = Foundation.pread(fd, buffer.baseAddress! + done, count - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = fail("pread", path)
                    break
                }
                if n == 0 { break }
                done += n
            }
            initialized = failure == nil ? done : 0
        }
        if let failure { throw failure }
        return result
    }

    static func size(_ fd: Int32, path: String) throws(StoreError) -> Int {
        var info = stat()
        if fstat(fd, &info) != 0 { throw fail("fstat", path) }
        return Int(info.st_size)
    }

    static func truncate(_ fd: Int32, to length: Int, path: String) throws(StoreError) {
        if ftruncate(fd, off_t(length)) != 0 { throw fail("ftruncate", path) }
    }

    /// Flushes file data (and on macOS the drive cache) to stable storage.
    static func syncData(_ fd: Int32, path: String) throws(StoreError) {
        #if canImport(Darwin)
        if fcntl(fd, F_FULLFSYNC) == 0 { return }
        if fsync(fd) != 0 { throw fail("fsync", path) }
        #else
        if fdatasync(fd) != 0 { throw fail("fdatasync", path) }
        #endif
    }

    static func syncDirectory(_ path: String) throws(StoreError) {
        let fd = try open(path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        if fsync(fd) != 0 { throw fail("fsync", path) }
    }

    /// Whether ``syncFileSystem(_:paths:directories:)`` syncs the whole file system (Linux
    /// `syncfs`), so that a caller need not know which files are dirty.
    static let syncsFileSystem: Bool = {
        #if os(Linux)
        return true
        #else
        return false
        #endif
    }()

    /// Flushes every dirty page of the file system holding `fd` (Linux `syncfs`);
    /// elsewhere, each of `paths` is synced instead.
    static func syncFileSystem(_ fd: Int32, paths: [String], directories: [String]) throws(StoreError) {
        #if os(Linux)
        if linuxSyncfs(fd) != 0 { throw fail("syncfs", directories.first ?? "") }
        #else
        for path in paths {
            guard let file = try? openFile(path, O_RDONLY).fd else { continue }
            defer { close(file) }
            try syncData(file, path: path)
        }
        for directory in directories { try syncDirectory(directory) }
        #endif
    }

    static func rename(_ from: String, _ to: String) throws(StoreError) {
        if Foundation.rename(from, to) != 0 { throw fail("rename", to) }
    }

    /// Whether anything (a file, a directory, a symbolic link, which is not followed) has the name `path`.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Removes a file; a file that is already gone is not an error.
    static func unlink(_ path: String) throws(StoreError) {
        if Foundation.unlink(path) != 0 && errno != ENOENT { throw fail("unlink", path) }
    }

    static func makeDirectory(_ path: String) throws(StoreError) {
        if mkdir(path, 0o700) != 0 && errno != EEXIST { throw fail("mkdir", path) }
    }

    static func lock(_ fd: Int32, exclusive: Bool, path: String) throws(StoreError) {
        while flock(fd, exclusive ? LOCK_EX : LOCK_SH) != 0 {
            if errno != EINTR { throw fail("flock", path) }
        }
    }

    /// Takes an exclusive lock if no one holds it; false (without waiting) if someone does.
    static func tryLock(_ fd: Int32, path: String) throws(StoreError) -> Bool {
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EWOULDBLOCK { return false }
            if errno != EINTR { throw fail("flock", path) }
        }
        return true
    }

    static func unlock(_ fd: Int32) { _ = flock(fd, LOCK_UN) }
}
