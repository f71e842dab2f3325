import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What applying a logged save needs, as a value the ``EffectQueue``'s thread can hold: the
/// `sessions/` directory, the file calls, and the journal whose record it marks applied.
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

    /// Writes a logged save's session file and marks its record applied.
    func applySave(_ id: String, _ lines: [UInt8], record offset: Int) throws(StoreError) {
        try write(id, lines)
        try markApplied(offset)
    }
}
