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
/// session changed since the previous one; a deleted session gets `{"id":…,"deleted":true}`. The
/// last line of an id wins. A checkpoint rewrites the file from the whole index (temporary file +
/// `rename`) when superseded lines make up most of it. One append per checkpoint replaces the
/// `sessions/<id>.meta.json` file per changed session that earlier versions wrote (still read).
struct MetadataCatalog {
    let path: String
    let directory: String
    var io: FileIO

    /// What ``read()`` found: the metadata by id, the ids whose last line is a deletion, and the
    /// line numbers (1-based) that could not be decoded (skipped; a torn last line is not counted).
    struct Contents {
        var index: [String: SessionMetadata] = [:]
        var deleted: Set<String> = []
        var badLines: [Int] = []
    }

    /// Reads the catalog; an absent file is empty.
    func read() throws(StoreError) -> Contents {
        var contents = Contents()
        guard let bytes = try io.readFile(path, followLinks: false) else { return contents }
        var lineNumber = 0
        var start = 0
        while let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
            lineNumber += 1
            let line = Array(bytes[start..<end])
            start = end + 1
            if let id = Self.deletedID(line) {
                contents.index[id] = nil
                contents.deleted.insert(id)
            } else if let m = MetadataFile.decode(line) {
                contents.index[m.id] = m
                contents.deleted.remove(m.id)
            } else {
                contents.badLines.append(lineNumber)
            }
        }
        return contents
    }

    /// Appends one line per change (in id order), or rewrites the file from `all` when it would
    /// then be more than twice the size of the live lines. Not synced: the checkpoint syncs.
    func append(_ changes: [String: SessionMetadata?], all: () -> [SessionMetadata]) throws(StoreError) {
        guard !changes.isEmpty else { return }
        var bytes: [UInt8] = []
        for id in changes.keys.sorted() {
            if let metadata = changes[id]! {
                bytes += MetadataFile.encode(metadata)
            } else {
                bytes += Self.deletionLine(id)
            }
        }
        let fd = try POSIX.open(path, O_RDWR | O_CREAT | O_NOFOLLOW)
        defer { POSIX.close(fd) }
        let end = try completeLinesEnd(fd)
        let everything = all()
        let live = everything.count * bytes.count / changes.count  // the appended lines' mean size
        if end + bytes.count > 2 * live + (1 << 20) {
            try io.writeAtomically(everything.flatMap(MetadataFile.encode), to: path, directory: directory, sync: false)
        } else {
            try io.pwriteAll(fd, bytes, at: end, path: path)
        }
    }

    /// The length of the file's complete lines; a torn last line (a checkpoint that died while
    /// appending, so its snapshot was never written) is cut off.
    private func completeLinesEnd(_ fd: Int32) throws(StoreError) -> Int {
        let size = try POSIX.size(fd, path: path)
        guard size > 0, try io.pread(fd, count: 1, at: size - 1, path: path) != [UInt8(ascii: "\n")] else { return size }
        let bytes = try io.pread(fd, count: size, at: 0, path: path)
        let end = bytes.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        try POSIX.truncate(fd, to: end, path: path)
        return end
    }

    static func deletionLine(_ id: String) -> [UInt8] {
        var bytes = JSONValue.object(["id": .string(id), "deleted": true]).serialized()
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    private static func deletedID(_ line: [UInt8]) -> String? {
        // Cheap test first: metadata lines start with "format_version".
        guard line.starts(with: Array("{\"id\":".utf8)), let o = try? JSONValue(parsing: line),
              o["deleted"] == true else { return nil }
        return o["id"]?.stringValue
    }
}
