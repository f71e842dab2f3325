import Foundation

extension JSONValue {
    /// The deepest nesting of arrays and objects the parser accepts: 512 levels.
    ///
    /// Deeper input is rejected with ``JSONParseError/Code/tooDeep`` instead of
    /// risking the stack. Claude Code messages nest about ten levels.
    public static let maximumNestingDepth = 512

    /// Parses one JSON text from raw bytes.
    ///
    /// The input must be exactly one JSON value (RFC 8259), optionally surrounded
    /// by whitespace, encoded as UTF-8 without a byte-order mark.
    ///
    /// - Parameter bytes: The JSON text. Error offsets are relative to its start.
    /// - Throws: ``JSONParseError`` naming the problem and its byte offset.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(JSONParseError) {
        var parser = JSONParser()
        self = try parser.parse(bytes)
    }

    /// Parses one JSON text from a byte array.
    ///
    /// - Parameter bytes: The UTF-8 JSON text.
    /// - Throws: ``JSONParseError`` naming the problem and its byte offset.
    public init(parsing bytes: [UInt8]) throws(JSONParseError) {
        self = try Self.parse(bytes)
    }

    /// Parses one JSON text from `Data`.
    ///
    /// - Parameter data: The UTF-8 JSON text.
    /// - Throws: ``JSONParseError`` naming the problem and its byte offset.
    public init(parsing data: Data) throws(JSONParseError) {
        self = try Self.parse(data)
    }

    /// Parses one JSON text from a string.
    ///
    /// - Parameter string: The JSON text; offsets count its UTF-8 bytes.
    /// - Throws: ``JSONParseError`` naming the problem and its byte offset.
    public init(parsing string: String) throws(JSONParseError) {
        var string = string
        let result: Result<JSONValue, JSONParseError> = string.withUTF8 { bytes in
            var parser = JSONParser()
            return Result { () throws(JSONParseError) -> JSONValue in try parser.parse(UnsafeRawBufferPointer(bytes)) }
        }
        self = try result.get()
    }

    /// Parses one JSON text from any contiguous bytes (`ArraySlice<UInt8>`, ...).
    ///
    /// - Parameter bytes: The UTF-8 JSON text.
    /// - Throws: ``JSONParseError`` naming the problem and its byte offset.
    public init<Bytes: ContiguousBytes>(parsing bytes: Bytes) throws(JSONParseError) {
        self = try Self.parse(bytes)
    }

    /// The one parse behind the byte-based initialisers.
    private static func parse<Bytes: ContiguousBytes>(_ bytes: Bytes) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = bytes.withUnsafeBytes { raw in
            var parser = JSONParser()
            return Result { () throws(JSONParseError) -> JSONValue in try parser.parse(raw) }
        }
        return try result.get()
    }
}
