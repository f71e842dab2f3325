import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What applying a logged record to the session files needs, as a value the ``EffectQueue``'s
/// thread can hold: the `sessions/` directory, the file calls, and the journal whose record it
/// marks applied.
struct SessionFiles: Sendable {
    let io: FileIO
    /// The `sessions/` directory.
    let directory: String
    /// The `quarantine/` directory, where what stands in a session file's way is moved.
    let quarantineDirectory: String
    let journalFD: Int32
    let journalPath: String

    /// `sessions/<id>.jsonl`.
    func path(_ id: String) -> String { "\(directory)/\(id).jsonl" }

    /// Where versions before the catalog kept a session's metadata (still read when rebuilding).
    func legacyMetaPath(_ id: String) -> String { "\(directory)/\(id).meta.json" }

    /// Where `path` goes when it is quarantined in `quarantine`: `<quarantine>/<name>.<seconds since
    /// 1970>`, or, when something already has that name (a file of the same name quarantined in the
    /// same second), the first of `<…>.1`, `<…>.2`, … that is free, so that nothing quarantined is
    /// replaced. The caller holds the store's lock, so no other process of the store picks a name
    /// meanwhile.
    static func quarantineTarget(_ path: String, in quarantine: String, at seconds: Int = Int(Date().timeIntervalSince1970)) -> String {
        let target = "\(quarantine)/\((path as NSString).lastPathComponent).\(seconds)"
        var candidate = target, n = 0
        while POSIX.exists(candidate) {
            n += 1
            candidate = "\(target).\(n)"
        }
        return candidate
    }

    /// Writes a saved session's lines: a new file in place, an existing one replaced atomically
    /// (temporary file, then `rename`).
    ///
    /// In place is safe for a new session: no other process knows the id until it follows the
    /// record, which needs the lock this process holds until the file is written; and a crash
    /// before the record is marked applied makes the next opener write the file again.
    ///
    /// A directory in the file's place (which the store never makes) is moved to `quarantine/`
    /// first, as an unreadable file would be: the save was acknowledged, so its file must be
    /// written. Anything else in the way (a symbolic link, a FIFO) is replaced by the rename.
    func write(_ id: String, _ lines: [UInt8]) throws(StoreError) {
        let path = path(id)
        if let fd = try? POSIX.open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW) {
            defer { POSIX.close(fd) }
            try io.pwriteAll(fd, lines, at: 0, path: path)
            return
        }
        do {
            try io.writeAtomically(lines, to: path, directory: directory, sync: false)
        } catch {
            guard case .storageFailure(path, "rename", EISDIR) = error else { throw error }
            // A directory that cannot be moved (a mount point, one this process may not move)
            // leaves the file unwritten: the error says why.
            do { try io.rename(path, Self.quarantineTarget(path, in: quarantineDirectory)) } catch _ { throw error }
            try io.writeAtomically(lines, to: path, directory: directory, sync: false)
        }
    }

    /// Sets the applied flag of the record at `offset` in the journal (its flags' first byte, so
    /// that the other flags stay).
    func markApplied(_ offset: Int) throws(StoreError) {
        try io.pwriteAll(journalFD, [1], at: offset + Journal.appliedFlagOffset, path: journalPath)
    }

    /// Writes an appended session's lines at `offset`, the size the log says its file has: a
    /// longer file first loses what follows (a torn or unacknowledged tail).
    /// - Parameter lostWrites: the file may have lost writes the append builds on (a reboot after
    ///   buffered writes): when it is shorter than `offset`, the lines go after its last complete
    ///   line instead.
    /// - Throws: ``StoreError/corrupted(path:reason:quarantinedAt:)`` when the file is shorter than
    ///   `offset` (and not `lostWrites`); ``StoreError/unsafePath(path:reason:)`` when it is not a
    ///   regular file; storage failures (`ENOENT` when it is missing).
    func append(_ id: String, _ lines: [UInt8], at offset: Int, lostWrites: Bool = false) throws(StoreError) {
        let path = path(id)
        let (fd, size) = try POSIX.openFile(path, lostWrites ? O_RDWR : O_WRONLY)
        defer { POSIX.close(fd) }
        var at = offset
        if size < offset {
            guard lostWrites else {
                throw .corrupted(path: path, reason: "file has \(size) bytes, the log expects \(offset)", quarantinedAt: nil)
            }
            at = try io.cutToCompleteLines(fd, path: path)
        } else if size > offset {
            try POSIX.truncate(fd, to: offset, path: path)
        }
        try io.pwriteAll(fd, lines, at: at, path: path)
    }

    /// Applies the logged record of `mutation` at `offset` to the session files, then marks it
    /// applied: a save writes the file, an append extends it, a delete removes it (and any
    /// legacy metadata file); an update has nothing to write.
    /// - Parameter lostWrites: see ``append(_:_:at:lostWrites:)``.
    func apply(_ mutation: StorageMutation, record offset: Int, lostWrites: Bool = false) throws(StoreError) {
        switch mutation {
        case .save(let m, let lines): try write(m.id, lines)
        case .append(let m, let lines, let at): try append(m.id, lines, at: at, lostWrites: lostWrites)
        case .update: break
        case .delete(let id):
            try POSIX.unlink(path(id))
            try POSIX.unlink(legacyMetaPath(id))
        }
        try markApplied(offset)
    }
}
