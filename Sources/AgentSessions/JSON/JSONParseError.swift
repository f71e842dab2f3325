/// Why a JSON text was rejected, and where.
///
/// The parser never traps or loops on hostile input: every rejection is one of
/// these values. ``offset`` is the zero-based byte offset, in the input that was
/// given to the parser, of the byte where the problem was detected (for
/// ``Code/unexpectedEnd`` it is the input's length).
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable identifier for each kind of rejection. The raw values are part of
    /// the API and do not change.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The input ended inside a value, or contained no value at all.
        case unexpectedEnd
        /// A byte that cannot start or continue a value here (including NUL).
        case unexpectedCharacter
        /// A backslash escape other than `\" \\ \/ \b \f \n \r \t \uXXXX`.
        case invalidEscape
        /// A `\u` escape that is not four hex digits, or that encodes a lone
        /// surrogate (`"\ud800"`, a low surrogate first, or a high surrogate not
        /// followed by a low one). Lone surrogates are rejected because a Swift
        /// `String` cannot hold them and replacing them would lose data.
        case invalidUnicodeEscape
        /// An unescaped control character (U+0000 to U+001F) inside a string.
        case controlCharacterInString
        /// Bytes that are not well-formed UTF-8 inside a string (overlong forms,
        /// encoded surrogates and values above U+10FFFF included).
        case invalidUTF8
        /// A malformed number (`01`, `1.`, `-`, `1e`, `+1`, ...).
        case invalidNumber
        /// A number whose magnitude does not fit a finite `Double` (`1e400`).
        case numberOutOfRange
        /// Something other than whitespace after the top-level value.
        case trailingData
        /// Arrays and objects nested deeper than ``JSONValue/maximumNestingDepth``.
        case tooDeep
    }

    /// What went wrong.
    public let code: Code
    /// The zero-based byte offset at which the problem was detected.
    public let offset: Int

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - offset: The zero-based byte offset of the problem.
    public init(code: Code, offset: Int) {
        self.code = code
        self.offset = offset
    }

    /// A readable explanation naming the code and the byte offset.
    public var description: String {
        let what: String
        switch code {
        case .unexpectedEnd: what = "the input ended before the JSON value was complete"
        case .unexpectedCharacter: what = "unexpected character"
        case .invalidEscape: what = "invalid backslash escape in a string"
        case .invalidUnicodeEscape: what = "invalid \\u escape (not 4 hex digits, or a lone surrogate)"
        case .controlCharacterInString: what = "unescaped control character in a string"
        case .invalidUTF8: what = "invalid UTF-8 in a string"
        case .invalidNumber: what = "malformed number"
        case .numberOutOfRange: what = "number too large for a Double"
        case .trailingData: what = "unexpected data after the JSON value"
        case .tooDeep: what = "nesting deeper than \(JSONValue.maximumNestingDepth) levels"
        }
        return "invalid JSON (\(code.rawValue)) at byte \(offset): \(what)"
    }
}
