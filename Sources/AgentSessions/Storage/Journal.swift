import Foundation

/// The write-ahead log of the file backend: its header and record format (see `Docs/StorageFormat.md`).
///
/// Header (64 bytes): magic `ASJL`, format version (u32), generation (u64), the boot id of
/// the machine that last wrote it (up to 40 bytes of text, zero-padded), and the log's end as
/// of the last acknowledged write (u64 at ``endOffset``; 0 from writers before it existed).
/// Readers map the header and compare generation and end with their own before doing any I/O.
///
/// Record: magic `ASJR` (u32), flags (u32; bit 0 = its file effects are applied, bit 8 = logged
/// in buffered mode, so a checkpoint need not make it durable, bits 16–31 = the low 16 bits of
/// its generation), kind (u32), header length (u32), payload length (u32), CRC-32 (u32) of the
/// generation (u64), kind, lengths, header and payload; then the header (binary metadata, or the
/// id for a delete) and the payload (message lines for save and append; for append the header
/// ends with the file offset).
///
/// A checkpoint does not truncate the file: the next generation's records overwrite the last
/// one's, on pages the file already has (a write that allocates page-cache pages cost more than
/// twice one that copies into pages the file has: `Docs/Benchmarks.md`). A record of an earlier generation fails the
/// checksum of the current one, so the log ends at the first record that is not of its
/// generation, as it ends at a torn one.
enum Journal {
    static let headerSize = 64
    static let recordPrefix = 24
    /// 4 since records carry their generation and checkpoints keep the file's length (a
    /// library that truncates would still read old records past a new header as new); 3 since a
    /// checkpoint in buffered mode may leave its writes unsynced (the `unsynced` marker); 2 since
    /// the header publishes the log's end. An older header is read (its records without a
    /// generation) and replaced at open, so that a library of an older version refuses the store
    /// (`unsupported_format`) instead of writing.
    static let version: UInt32 = 4
    /// The flags' first byte, whose bit 0 says the record is applied (written alone, as `1`).
    static let appliedFlagOffset = 4
    /// The flag of a record logged in buffered mode. Records without it (also those of versions
    /// before it) are made durable by the checkpoint that ends their log.
    private static let bufferedFlag: UInt32 = 1 << 8
    /// Where the flags hold the low 16 bits of the record's generation (version 4).
    private static let generationTagShift: UInt32 = 16
    /// Where the header holds the generation, the boot id and the published end of the log.
    static let generationOffset = 8
    static let bootIDOffset = 16
    static let endOffset = 56
    private static let fileMagic: UInt32 = 0x4C4A_5341  // "ASJL" little-endian
    private static let recordMagic: UInt32 = 0x524A_5341  // "ASJR"

    enum Kind: UInt32 { case save = 1, append = 2, update = 3, delete = 4 }

    struct Header: Equatable {
        var generation: UInt64
        var bootID: String
        /// The published end of the log (0 in a header from before it was published).
        var end = 0
        /// The version the header was written with (1 to 4); a header of an older version is kept
        /// as it is until the checkpoint at open replaces its log.
        var version = Journal.version
    }

    struct Record {
        var offset: Int
        var applied: Bool
        /// Logged in buffered mode (``bufferedFlag``).
        var buffered = false
        var mutation: StorageMutation
    }

    static func encode(_ header: Header) -> [UInt8] {
        var w = ByteWriter()
        w.u32(fileMagic)
        w.u32(header.version)
        w.u64(header.generation)
        w.bytes.append(contentsOf: header.bootID.utf8.prefix(endOffset - bootIDOffset))
        w.bytes.append(contentsOf: [UInt8](repeating: 0, count: endOffset - w.bytes.count))
        w.u64(UInt64(header.end))
        return w.bytes
    }

    /// The eight bytes of a published end (written alone at ``endOffset``).
    static func publishedEnd(_ end: Int) -> [UInt8] {
        var w = ByteWriter()
        w.u64(UInt64(end))
        return w.bytes
    }

    /// Decodes a header; `nil` if the bytes are not one (empty or foreign file).
    static func decodeHeader(_ bytes: [UInt8]) throws(StoreError) -> Header? {
        guard bytes.count >= headerSize,
              let (magic, found, generation, end) = try? ByteReader.reading(bytes, { r throws(ByteReader.Truncated) in
                  let fields = (try r.u32(), try r.u32(), try r.u64())
                  r.position = endOffset
                  return (fields.0, fields.1, fields.2, try r.u64())
              }),
              magic == fileMagic
        else { return nil }
        guard (1...version).contains(found) else { throw .unsupportedFormat(path: "journal", found: "journal v\(found)") }
        let boot = bytes[bootIDOffset..<endOffset].prefix { $0 != 0 }
        return Header(generation: generation, bootID: String(decoding: boot, as: UTF8.self), end: Int(clamping: end), version: found)
    }

    /// What a record's checksum starts from in a log of `generation` written with `version`:
    /// the CRC of the generation's eight bytes (version 4), or nothing (before).
    static func checksumSeed(generation: UInt64, version: UInt32 = Journal.version) -> UInt32 {
        guard version >= 4 else { return 0 }
        return withUnsafeBytes(of: generation.littleEndian) { CRC32.checksum($0, from: 0, to: 8) }
    }

    /// Appends the encoding of `mutation` to `out` as a record of `generation`, flagged as not
    /// yet applied (an update, which changes no session file, as applied), and as logged in
    /// buffered mode when `buffered`.
    static func encode(_ mutation: StorageMutation, buffered: Bool, generation: UInt64, into out: inout [UInt8]) {
        var header = ByteWriter()
        let kind: Kind
        var payload: [UInt8] = []
        switch mutation {
        case .save(let m, let lines):
            kind = .save; header.metadata(m); payload = lines
        case .append(let m, let lines, let offset):
            kind = .append; header.metadata(m); header.u64(UInt64(offset)); payload = lines
        case .update(let m):
            kind = .update; header.metadata(m)
        case .delete(let id):
            kind = .delete; header.string(id)
        }
        var prefix = ByteWriter()
        prefix.u32(recordMagic)
        let applied: UInt32 = kind == .update ? 1 : 0
        prefix.u32(applied | (buffered ? bufferedFlag : 0) | UInt32(truncatingIfNeeded: generation & 0xFFFF) << generationTagShift)
        prefix.u32(kind.rawValue)
        prefix.u32(UInt32(header.bytes.count))
        prefix.u32(UInt32(payload.count))
        var crc = CRC32.checksum(prefix.bytes, from: 8, to: 20, seed: checksumSeed(generation: generation))
        crc = CRC32.checksum(header.bytes, from: 0, to: header.bytes.count, seed: crc)
        crc = CRC32.checksum(payload, from: 0, to: payload.count, seed: crc)
        prefix.u32(crc)
        out.append(contentsOf: prefix.bytes)
        out.append(contentsOf: header.bytes)
        out.append(contentsOf: payload)
    }

    /// Whether `prefix` (a record's first ``recordPrefix`` bytes) may start a record of
    /// `generation` in a log of `version`: its magic, and from version 4 its generation tag,
    /// match (only the checksum tells for sure).
    static func mayStartRecord(_ prefix: [UInt8], generation: UInt64, version: UInt32 = Journal.version) -> Bool {
        guard prefix.count >= recordPrefix,
              let (magic, flags) = try? ByteReader.reading(prefix, { r throws(ByteReader.Truncated) in (try r.u32(), try r.u32()) }),
              magic == recordMagic
        else { return false }
        return version < 4 || UInt64(flags >> generationTagShift) == generation & 0xFFFF
    }

    /// Decodes the records in `bytes` (which start at file offset `base`) up to the first one
    /// that is incomplete or fails its checksum (`seed`: ``checksumSeed(generation:version:)``
    /// of the log's generation, which a record of another generation fails); returns them and
    /// where the valid part ends.
    static func decodeRecords(_ bytes: [UInt8], base: Int, seed: UInt32) -> (records: [Record], validEnd: Int) {
        bytes.withUnsafeBytes { decodeRecords($0, base: base, seed: seed) }
    }

    /// ``decodeRecords(_:base:seed:)`` over the bytes' storage.
    private static func decodeRecords(_ bytes: UnsafeRawBufferPointer, base: Int, seed: UInt32) -> (records: [Record], validEnd: Int) {
        var records: [Record] = []
        var position = 0
        while bytes.count - position >= recordPrefix {
            var r = ByteReader(bytes, from: position)
            guard (try? r.u32()) == recordMagic,
                  let flags = try? r.u32(), let rawKind = try? r.u32(), let kind = Kind(rawValue: rawKind),
                  let headerLength = try? r.u32(), let payloadLength = try? r.u32(), let crc = try? r.u32()
            else { break }
            let headerStart = position + recordPrefix
            let payloadStart = headerStart + Int(headerLength)
            let end = payloadStart + Int(payloadLength)
            guard end <= bytes.count else { break }
            var check = CRC32.checksum(bytes, from: position + 8, to: position + 20, seed: seed)
            check = CRC32.checksum(bytes, from: headerStart, to: end, seed: check)
            guard check == crc else { break }
            var h = ByteReader(bytes, from: headerStart, to: payloadStart)
            let payload = Array(bytes[payloadStart..<end])
            let mutation: StorageMutation
            do {
                switch kind {
                case .save: mutation = .save(try h.metadata(), lines: payload)
                case .append:
                    let m = try h.metadata()
                    mutation = .append(m, lines: payload, offset: try h.int())
                case .update: mutation = .update(try h.metadata())
                case .delete: mutation = .delete(id: try h.string())
                }
            } catch { break }
            records.append(Record(offset: base + position, applied: flags & 1 != 0, buffered: flags & bufferedFlag != 0,
                                  mutation: mutation))
            position = end
        }
        return (records, base + position)
    }

    /// This boot of the machine: a process crash keeps the page cache, a reboot may not.
    static let currentBootID = bootID()

    /// The id of this boot of the machine, read from `path` (Linux) or from the boot time (macOS).
    ///
    /// Where neither can be read (a sandbox without `/proc`), an id of this process alone, never
    /// equal to one written before: each open then recovers as after a reboot (every logged effect
    /// redone and synced), which is slower but safe. A fixed fallback would hide a real reboot,
    /// and with it the writes a power loss took from unsynced session files.
    static func bootID(path: String = "/proc/sys/kernel/random/boot_id") -> String {
        #if os(Linux)
        // Read, not sized by `fstat`: procfs files report a size of 0 (a read by size found
        // nothing, so every header held an empty id and a reboot went unnoticed).
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            defer { close(fd) }
            var buffer = [UInt8](repeating: 0, count: 64)
            let count = read(fd, &buffer, buffer.count)
            let id = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !id.isEmpty { return id }
        }
        #elseif canImport(Darwin)
        var bootTime = timeval()
        var size = MemoryLayout<timeval>.size
        if sysctlbyname("kern.boottime", &bootTime, &size, nil, 0) == 0, bootTime.tv_sec > 0 {
            return "boot-\(bootTime.tv_sec)"
        }
        #endif
        return "unknown-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(24)
    }
}
