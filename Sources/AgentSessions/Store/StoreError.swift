import Foundation

/// An error from the session store, with a stable machine-readable code.
///
/// Every case names what was wrong and where (the session id, the path, the line),
/// and ``description`` says it in one line a person can act on. Match on ``code``
/// in scripts; its raw values never change.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No session with this id is stored.
    case notFound(id: String)
    /// The id breaks the rules in `Docs/StorageFormat.md` (empty, `.`/`..`, separators, control characters, too long, ...).
    case invalidID(id: String, reason: String)
    /// A tag is empty, too long, or holds control characters.
    case invalidTag(tag: String, reason: String)
    /// A date given for a session (created, updated, appended at) is not a finite instant; nothing was written.
    case invalidDate(id: String, reason: String)
    /// A message was rejected before anything was written; `index` is its 0-based position in the call.
    case invalidMessage(id: String, index: Int, reason: String)
    /// A file-system call failed. `operation` names the call, `errno` is the OS error number.
    case storageFailure(path: String, operation: String, errno: Int32)
    /// A stored file could not be read back as the format says; it has been moved aside to `quarantinedAt` if not nil.
    case corrupted(path: String, reason: String, quarantinedAt: String?)
    /// A path inside the store is not what the store wrote there (a symbolic link, a directory);
    /// nothing was written. Move the offending entry away.
    case unsafePath(path: String, reason: String)
    /// The store directory, or a file in it, is read-only for this process, or another process
    /// holds the store in a way that excludes us.
    case readOnly(path: String)
    /// The store directory was written by a newer, unknown format version.
    case unsupportedFormat(path: String, found: String)
    /// An export archive or import input is malformed; `line` is 1-based.
    case invalidArchive(path: String, line: Int, reason: String)
    /// A session being imported already exists with different content (see `ImportPolicy`).
    case conflict(id: String)
    /// The store has been shut down, or its actor is restarting and did not come back in time.
    case unavailable(reason: String)

    /// The stable code: one of `not_found`, `invalid_id`, `invalid_tag`, `invalid_date`, `invalid_message`, `storage_failure`,
    /// `corrupted`, `unsafe_path`, `read_only`, `unsupported_format`, `invalid_archive`, `conflict`, `unavailable`.
    public var code: String {
        switch self {
        case .notFound: "not_found"
        case .invalidID: "invalid_id"
        case .invalidTag: "invalid_tag"
        case .invalidDate: "invalid_date"
        case .invalidMessage: "invalid_message"
        case .storageFailure: "storage_failure"
        case .corrupted: "corrupted"
        case .unsafePath: "unsafe_path"
        case .readOnly: "read_only"
        case .unsupportedFormat: "unsupported_format"
        case .invalidArchive: "invalid_archive"
        case .conflict: "conflict"
        case .unavailable: "unavailable"
        }
    }

    /// One line saying what went wrong and what to do about it.
    public var description: String {
        switch self {
        case .notFound(let id):
            "not_found: no session \(Self.quote(id)) in the store; list ids with `sessions list`"
        case .invalidID(let id, let reason):
            "invalid_id: session id \(Self.quote(id)) is not allowed: \(reason)"
        case .invalidTag(let tag, let reason):
            "invalid_tag: tag \(Self.quote(tag)) is not allowed: \(reason)"
        case .invalidDate(let id, let reason):
            "invalid_date: session \(Self.quote(id)): \(reason); nothing was written"
        case .invalidMessage(let id, let index, let reason):
            "invalid_message: message \(index) of session \(Self.quote(id)) was rejected: \(reason); nothing was written"
        case .storageFailure(let path, let operation, let errno):
            "storage_failure: \(operation) failed on \(path): \(String(cString: strerror(errno))) (errno \(errno))"
        case .corrupted(let path, let reason, let quarantinedAt):
            "corrupted: \(path): \(reason)" + (quarantinedAt.map { "; moved aside to \($0)" } ?? "")
        case .unsafePath(let path, let reason):
            "unsafe_path: \(path): \(reason); nothing was written"
        case .readOnly(let path):
            "read_only: \(path) cannot be written by this process; check its permissions"
        case .unsupportedFormat(let path, let found):
            "unsupported_format: \(path) has format \(found), which this version cannot read; upgrade AgentSessions"
        case .invalidArchive(let path, let line, let reason):
            "invalid_archive: \(path) line \(line): \(reason); nothing was imported"
        case .conflict(let id):
            "conflict: session \(Self.quote(id)) already exists with different content"
        case .unavailable(let reason):
            "unavailable: \(reason)"
        }
    }

    /// Quotes an untrusted id for messages, escaping control characters and cutting it at 80 characters.
    static func quote(_ id: String) -> String {
        var out = ""
        for scalar in id.unicodeScalars.prefix(80) {
            out += scalar.value < 0x20 || scalar.value == 0x7F ? String(format: "\\u{%02X}", scalar.value) : String(scalar)
        }
        if id.unicodeScalars.count > 80 { out += "…" }
        return "\"\(out)\""
    }

    /// Whether the failed call may have left memory and disk apart (a storage failure midway
    /// through an update, or corruption found): the store's state must then be rebuilt from disk.
    var leavesStateUnknown: Bool {
        switch self {
        case .storageFailure, .corrupted: true
        default: false
        }
    }
}
