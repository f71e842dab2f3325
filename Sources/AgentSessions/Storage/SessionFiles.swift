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
    let journalFD: Int32
    let journalPath: String

    /// `sessions/<id>.jsonl`.
    func path(_ id: String) -> String { "\(directory)/\(id).jsonl" }

    /// Writes a saved session's lines: a new file in place, an existing one replaced atomically
    /// (temporary file, then `rename`).
    ///
    /// In place is safe for a new session: no other process knows the id until it follows the
    /// record, which needs the lock this process holds until the file is written; and a crash
    /// before the record is marked applied makes the next opener write the file again.
    func write(_ id: String, _ lines: [UInt8]) throws(StoreError) {
        let path = path(id)
        if let fd = try? POSIX.open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW) {
            defer { POSIX.close(fd) }
            try io.pwriteAll(fd, lines, at: 0, path: path)
        } else {
            try io.writeAtomically(lines, to: path, directory: directory, sync: false)
        }
    }

    /// Sets the applied flag of the record at `offset` in the journal.
    func markApplied(_ offset: Int) throws(StoreError) {
        try io.pwriteAll(journalFD, [1, 0, 0, 0], at: offset + Journal.appliedFlagOffset, path: journalPath)
    }

    /// Writes a logged save's session file and marks its record applied.
    func applySave(_ id: String, _ lines: [UInt8], record offset: Int) throws(StoreError) {
        try write(id, lines)
        try markApplied(offset)
    }
}
