extension JSONValue {
    /// The compact JSON text of the value as UTF-8 bytes, on one line.
    ///
    /// The bytes are those of Python's
    /// `json.dumps(value, ensure_ascii=False, separators=(",", ":"))`; see
    /// ``write(into:)`` for the rules.
    public func serialized() -> [UInt8] {
        var writer = JSONWriter()
        writer.write(self)
        return writer.bytes()
    }

    /// Appends the compact JSON text of the value to `buffer`.
    ///
    /// No whitespace between tokens and no newline; object members in their
    /// stored order; strings escape only `"`, `\` and control characters
    /// (U+0000 to U+001F) and keep all other characters as raw UTF-8; integers
    /// in decimal; doubles in Python `repr` style (shortest round-trip digits;
    /// see `JSONNumberFormatter`); non-finite doubles, which JSON cannot
    /// express and the parser never produces, as `null`.
    ///
    /// - Parameter buffer: The buffer to append to; reserve capacity for speed.
    public func write(into buffer: inout [UInt8]) {
        var writer = JSONWriter()
        writer.write(self)
        writer.append(to: &buffer)
    }

    /// The compact JSON text of the value, on one line.
    public var jsonString: String {
        String(decoding: serialized(), as: UTF8.self)
    }
}
