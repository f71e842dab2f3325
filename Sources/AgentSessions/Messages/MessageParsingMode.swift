/// How a stream reader treats lines that are not messages.
///
/// Blank lines (empty, or only spaces, tabs and a `\r`) are skipped silently in
/// both modes: they carry nothing and some writers emit them. They still count
/// for line numbers.
public enum MessageParsingMode: Sendable, Hashable {
    /// The first bad line is an error naming its line number; nothing read so far
    /// is returned as if the stream were complete.
    case strict
    /// Bad lines are skipped and reported (line number, byte offset, reason); the
    /// good lines around them are kept.
    case lenient
}
