import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `metadata.jsonl`: every session's metadata as of the last checkpoint, so the index can be
/// rebuilt without the snapshot (tags, summary and `createdAt` cannot be derived from messages).
///
/// One JSON object per line (``MetadataFile``'s form), appended at each checkpoint for every
/// session changed since the previous one; a deleted session gets a deletion line. The last line
/// of an id wins. The first checkpoint that finds no catalog writes the whole index, and a
/// checkpoint rewrites the file from the whole index (temporary file, `fsync`, `rename`) when
/// superseded lines make up most of it. It replaces the `sessions/<id>.meta.json` file per
/// changed session that earlier versions wrote, which are read only while there is no catalog.
struct MetadataCatalog {
    let path: String
    let directory: String
    var io: FileIO

    /// What ``read()`` found.
    struct Contents {
        /// The metadata by id (the last line of each id that is not a deletion).
        var index: [String: SessionMetadata] = [:]
        /// The ids whose last line is a deletion.
        var deleted: Set<String> = []
        /// The 1-based numbers of the lines that could not be decoded (a torn last line is not one).
        var badLines: [Int] = []
        /// The number of each id's last line.
        var lastLine: [String: Int] = [:]

        /// The ids whose last line comes before a line that could not be decoded, which may have
        /// been a newer line for them: their metadata may be stale.
        var suspect: Set<String> {
            guard let lastBad = badLines.last else { return [] }
            return Set(index.keys.filter { lastLine[$0]! < lastBad })
        }
    }

    /// Whether the catalog exists and holds anything.
    var exists: Bool { ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int ?? 0) > 0 }

    /// Reads the catalog; an absent file is empty.
    func read() throws(StoreError) -> Contents {
        var contents = Contents()
        guard let bytes = try io.readFile(path) else { return contents }
        let complete = bytes.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0  // a torn last line is not read
        MessageLines.forEachLine(bytes) { lineNumber, range in
            guard range.lowerBound < complete else { return false }
            let line = Array(bytes[range])
            if let id = MetadataFile.deletedID(line) {
                contents.index[id] = nil
                contents.deleted.insert(id)
                contents.lastLine[id] = lineNumber
            } else if let m = MetadataFile.decode(line) {
                contents.index[m.id] = m
                contents.deleted.remove(m.id)
                contents.lastLine[m.id] = lineNumber
            } else {
                contents.badLines.append(lineNumber)
            }
            return true
        }
        return contents
    }

    /// Appends one line per change (in id order). Writes all `records` instead when there is no catalog
    /// yet, and when the file would be more than twice the size of the live sessions' lines
    /// (estimated from the changed ones) plus 1 MiB. Appends are not synced (the checkpoint syncs
    /// the file system next); a rewrite is, before its rename.
    func append(_ changes: [String: SessionMetadata?], all records: [SessionMetadata]) throws(StoreError) {
        guard !changes.isEmpty else { return }
        let fd: Int32
        do { fd = try POSIX.openFile(path, O_RDWR).fd } catch {
            guard case .storageFailure(_, _, ENOENT) = error else { throw error }
            return try rewrite(records)  // before encoding the changes, which it would not use
        }
        defer { POSIX.close(fd) }
        var lines = JSONWriter(capacity: changes.count * Self.lineEstimate)
        var metadataBytes = 0, metadataLines = 0
        for id in changes.keys.sorted() {
            if let metadata = changes[id]! {
                let start = lines.count
                MetadataFile.write(metadata, to: &lines)
                metadataBytes += lines.count - start
                metadataLines += 1
            } else {
                MetadataFile.writeDeletion(id, to: &lines)
            }
        }
        let end = try io.cutToCompleteLines(fd, path: path)  // a torn last line: a checkpoint that died while appending
        let live = metadataLines > 0 ? records.count * metadataBytes / metadataLines : end
        if end == 0 || end + lines.count > 2 * live + (1 << 20) {
            try rewrite(records)
        } else {
            try io.pwriteAll(fd, lines.bytes(), at: end, path: path)
        }
    }

    /// Replaces the catalog with one line per record, durably (it may hold the only copy of
    /// sessions that no later checkpoint changes).
    private func rewrite(_ records: [SessionMetadata]) throws(StoreError) {
        var lines = JSONWriter(capacity: records.count * Self.lineEstimate)
        for record in records { MetadataFile.write(record, to: &lines) }
        try io.writeAtomically(lines.bytes(), to: path, directory: directory, sync: true)
    }

    /// The bytes reserved per line (a line with a summary of a few hundred bytes), so that one
    /// allocation usually holds all the lines a checkpoint writes.
    private static let lineEstimate = 512
}
