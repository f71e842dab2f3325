/// Eight bytes at a time: the word test the parser and the writer share to skip plain string text.
enum JSONWordScan {
    /// Whether any byte of `word` is `"`, `\` or below 0x20 (exact, not a heuristic).
    @inline(__always)
    static func needsEscape(_ word: UInt64) -> Bool { specialBytes(word) != 0 }

    /// The top bit of each byte of `word` that is `"`, `\` or below 0x20, and possibly of bytes
    /// above such a byte (a borrow runs upwards); so the lowest set bit, if any, marks the first
    /// such byte exactly, counting from the least significant byte.
    @inline(__always)
    static func specialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let control = (word &- ones &* 0x20) & ~word & highs
        let q = word ^ (ones &* 0x22)
        let quote = (q &- ones) & ~q & highs
        let b = word ^ (ones &* 0x5C)
        let backslash = (b &- ones) & ~b & highs
        return control | quote | backslash
    }
}
