import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The file-system calls of the file backend, each checked first against an optional
/// ``FaultInjector`` so tests can make the Nth write, sync, rename or read fail.
struct FileIO: Sendable {
    var faults: FaultInjector?

    func pwriteAll(_ fd: Int32, _ bytes: [UInt8], at offset: Int, path: String) throws(StoreError) {
        try faults?.check(.write, path: path)
        try POSIX.pwriteAll(fd, bytes, at: offset, path: path)
    }

    func pread(_ fd: Int32, count: Int, at offset: Int, path: String) throws(StoreError) -> [UInt8] {
        try faults?.check(.read, path: path)
        return try POSIX.pread(fd, count: count, at: offset, path: path)
    }

    func syncData(_ fd: Int32, path: String) throws(StoreError) {
        try faults?.check(.sync, path: path)
        try POSIX.syncData(fd, path: path)
    }

    func syncDirectory(_ path: String) throws(StoreError) {
        try faults?.check(.sync, path: path)
        try POSIX.syncDirectory(path)
    }

    func syncFileSystem(_ fd: Int32, paths: [String], directories: [String]) throws(StoreError) {
        try faults?.check(.sync, path: directories.first ?? "")
        try POSIX.syncFileSystem(fd, paths: paths, directories: directories)
    }

    func rename(_ from: String, _ to: String) throws(StoreError) {
        try faults?.check(.rename, path: to)
        try POSIX.rename(from, to)
    }

    /// Writes `bytes` to `path` atomically: a temporary file in the same directory, then
    /// `rename` over the target. With `sync`, the file is flushed before the rename and the
    /// directory after it, so the new content is durable when this returns. On failure the
    /// temporary file is removed and the target is untouched.
    func writeAtomically(_ bytes: [UInt8], to path: String, directory: String, sync: Bool) throws(StoreError) {
        let name = (path as NSString).lastPathComponent
        let temporary = "\(directory)/.\(name).\(getpid()).tmp"
        let fd = try POSIX.openFile(temporary, O_WRONLY | O_CREAT | O_TRUNC).fd
        do {
            try pwriteAll(fd, bytes, at: 0, path: temporary)
            if sync { try syncData(fd, path: temporary) }
        } catch {
            POSIX.close(fd)
            try? POSIX.unlink(temporary)
            throw error
        }
        POSIX.close(fd)
        do { try rename(temporary, path) } catch {
            try? POSIX.unlink(temporary)
            throw error
        }
        if sync { try syncDirectory(directory) }
    }

    /// Cuts the file open (readable and writable) at `fd` after its last `\n` when something
    /// follows it (a torn last line: a write cut short by a crash or a power loss).
    /// - Returns: the length of its complete lines (the file's size when nothing was cut).
    func cutToCompleteLines(_ fd: Int32, path: String) throws(StoreError) -> Int {
        let size = try POSIX.size(fd, path: path)
        guard size > 0, try pread(fd, count: 1, at: size - 1, path: path) != [UInt8(ascii: "\n")] else { return size }
        let end = try pread(fd, count: size, at: 0, path: path).lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        try POSIX.truncate(fd, to: end, path: path)
        return end
    }

    /// Reads a whole file; `nil` if it does not exist.
    /// - Throws: ``StoreError/unsafePath(path:reason:)`` when it is not a regular file (a symbolic
    ///   link is not followed, a FIFO not waited on: ``POSIX/openFile(_:_:)``).
    func readFile(_ path: String) throws(StoreError) -> [UInt8]? {
        guard let (fd, size) = try openForReading(path) else { return nil }
        defer { POSIX.close(fd) }
        return try pread(fd, count: size, at: 0, path: path)
    }

    /// Maps a whole file read-only (``MappedFile``); `nil` if it does not exist.
    /// - Throws: as ``readFile(_:)``.
    func mapFile(_ path: String) throws(StoreError) -> MappedFile? {
        guard let (fd, size) = try openForReading(path) else { return nil }
        defer { POSIX.close(fd) }
        try faults?.check(.read, path: path)
        return try MappedFile.load(fd: fd, size: size, path: path)
    }

    /// Opens `path` read-only; `nil` if it does not exist.
    private func openForReading(_ path: String) throws(StoreError) -> (fd: Int32, size: Int)? {
        do { return try POSIX.openFile(path, O_RDONLY) } catch {
            if case .storageFailure(_, _, ENOENT) = error { return nil }
            throw error
        }
    }
}

/// A test hook that makes chosen file-system calls of a ``FileBackend`` fail with a chosen
/// `errno`, as a failing disk would (EIO, ENOSPC, EACCES, ...), or wait until released (to look
/// at the store while a session file write is held back). Calls are counted per kind.
package final class FaultInjector: Sendable {
    /// The kinds of call that can be failed.
    package enum Call: String, Sendable, CaseIterable {
        case write, sync, rename, read
    }

    private struct State {
        var counts: [Call: Int] = [:]
        var planned: [Call: [Int: Int32]] = [:]
        /// Failures planned on a path: the kind, the path's ending, how many matching calls to let
        /// through first, the errno.
        var plannedOnPath: [(call: Call, suffix: String, skip: Int, errno: Int32)] = []
        var failures: [(Call, String)] = []
        /// Calls that wait until ``release()``: the kind and the path's ending.
        var holds: [(call: Call, suffix: String)] = []
        /// How many calls wait at a hold.
        var held = 0
    }

    private let state = Mutex(State())
    /// Signalled when a call starts to wait at a hold and when the holds are released; changes
    /// to `holds` and `held` are made with it locked, so no signal is missed.
    private let holding = NSCondition()

    /// Creates an injector that fails nothing until told to.
    package init() {}

    /// Makes the `n`th call of `kind` from now (1 = the next one) fail with `errno`.
    package func fail(_ kind: Call, call n: Int, errno: Int32) {
        state.withLock { state in
            let target = (state.counts[kind] ?? 0) + n
            state.planned[kind, default: [:]][target] = errno
        }
    }

    /// Makes the `n`th call of `kind` from now on a path ending in `suffix` fail with `errno`.
    package func fail(_ kind: Call, call n: Int = 1, onPathEndingIn suffix: String, errno: Int32) {
        state.withLock { $0.plannedOnPath.append((kind, suffix, n - 1, errno)) }
    }

    /// Makes the calls of `kind` on a path ending in `suffix` wait until ``release()``.
    package func hold(_ kind: Call, onPathEndingIn suffix: String) {
        holding.withLock { state.withLock { $0.holds.append((kind, suffix)) } }
    }

    /// Waits (at most `seconds`) until a call waits at a hold; returns whether one does.
    package func waitUntilHeld(seconds: Double = 10) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        return holding.withLock {
            while state.withLock({ $0.held == 0 }) {
                if !holding.wait(until: deadline) { return state.withLock { $0.held > 0 } }
            }
            return true
        }
    }

    /// Lets the calls waiting at holds go on, and ends the holds.
    package func release() {
        holding.withLock {
            state.withLock { $0.holds = [] }
            holding.broadcast()
        }
    }

    /// How many calls of `kind` have been made.
    package func count(_ kind: Call) -> Int { state.withLock { $0.counts[kind] ?? 0 } }

    /// The calls that were failed, with their paths.
    package var injected: [(Call, String)] { state.withLock { $0.failures } }

    func check(_ kind: Call, path: String) throws(StoreError) {
        holding.withLock {
            func isHeld() -> Bool { state.withLock { $0.holds.contains { $0.call == kind && path.hasSuffix($0.suffix) } } }
            guard isHeld() else { return }
            state.withLock { $0.held += 1 }
            holding.broadcast()
            while isHeld() { holding.wait() }
            state.withLock { $0.held -= 1 }
        }
        let failure: Int32? = state.withLock { state in
            let n = (state.counts[kind] ?? 0) + 1
            state.counts[kind] = n
            var code = state.planned[kind]?.removeValue(forKey: n)
            for i in state.plannedOnPath.indices.reversed()
            where state.plannedOnPath[i].call == kind && path.hasSuffix(state.plannedOnPath[i].suffix) {
                if state.plannedOnPath[i].skip == 0 {
                    code = state.plannedOnPath.remove(at: i).errno
                } else {
                    state.plannedOnPath[i].skip -= 1
                }
            }
            guard let code else { return nil }
            state.failures.append((kind, path))
            return code
        }
        if let failure {
            throw .storageFailure(path: path, operation: "\(kind.rawValue) (injected)", errno: failure)
        }
    }
}
