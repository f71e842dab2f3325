/// The exit status of `sessions`. The values are part of the interface and never change.
///
/// | Code | Meaning |
/// |------|---------|
/// | 0 | success |
/// | 1 | not found: an unknown session id, a missing input file or directory, or (`search`) no match |
/// | 2 | usage error: the command line could not be parsed |
/// | 3 | store or I/O error: the store could not be opened or written, an archive is invalid, an import conflicts |
package struct ExitCode: Sendable, Hashable, CustomStringConvertible {
    /// The numeric status passed to `exit`.
    package let rawValue: Int32

    /// Everything asked for was done.
    package static let success = ExitCode(rawValue: 0)
    /// A session id, file or directory was not found, or a search matched nothing.
    package static let notFound = ExitCode(rawValue: 1)
    /// The command line is wrong; nothing was done.
    package static let usage = ExitCode(rawValue: 2)
    /// The store (or a file it reads or writes) failed; see the message on stderr.
    package static let storeError = ExitCode(rawValue: 3)

    /// `0`, `1`, `2` or `3`.
    package var description: String { "\(rawValue)" }

    /// The more severe of two outcomes (store errors over not-found over success), for commands
    /// that handle several ids or files and report the worst.
    func worse(_ other: ExitCode) -> ExitCode { rawValue >= other.rawValue ? self : other }
}
