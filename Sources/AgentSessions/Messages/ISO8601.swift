import Foundation

/// ISO-8601 formatting and parsing shared by the store, the archive format and the CLI.
package enum ISO8601 {
    /// `2025-11-30T21:13:21Z`, with `.sss` fractional seconds when the instant, rounded to the
    /// millisecond, has them (or always, with `alwaysMilliseconds`). Rounded, not truncated:
    /// `…39.527Z` parsed and printed again stays `…39.527Z` although its `Date` is a hair below .527.
    ///
    /// Years 1 to 9999 are formatted with integer arithmetic (the metadata catalog writes two
    /// dates per session at every checkpoint), in the proleptic Gregorian calendar that ISO 8601
    /// and ``parse(_:)`` use: from 1583 the text is Foundation's `ISO8601FormatStyle`'s, whose
    /// calendar is Julian before 1582-10-15 (so its text of an earlier instant parsed back to
    /// another day). Other years go through Foundation.
    package static func string(_ date: Date, alwaysMilliseconds: Bool = false) -> String {
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
        let seconds = (milliseconds / 1000).rounded(.down)
        let fraction = Int(milliseconds - seconds * 1000)
        let showsFraction = fraction > 0 || alwaysMilliseconds
        guard seconds >= Self.firstFastSecond, seconds <= Self.lastFastSecond else {
            let whole = Date(timeIntervalSince1970: seconds).formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
            guard showsFraction else { return whole }
            return String(whole.dropLast()) + "." + String(String(fraction + 1000).dropFirst()) + "Z"
        }
        return String(unsafeUninitializedCapacity: 24) { buffer in
            let whole = Int(seconds)
            let days = whole >= 0 ? whole / 86_400 : (whole - 86_399) / 86_400
            let secondOfDay = whole - days * 86_400
            let (year, month, day) = civil(daysSince1970: days)
            var i = 0
            func put(_ value: Int, digits: Int) {
                var value = value
                for k in stride(from: digits - 1, through: 0, by: -1) {
                    buffer[i + k] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
                i += digits
            }
            func put(_ byte: Unicode.Scalar) {
                buffer[i] = UInt8(ascii: byte)
                i += 1
            }
            put(year, digits: 4); put("-"); put(month, digits: 2); put("-"); put(day, digits: 2); put("T")
            put(secondOfDay / 3600, digits: 2); put(":"); put(secondOfDay / 60 % 60, digits: 2); put(":")
            put(secondOfDay % 60, digits: 2)
            if showsFraction { put("."); put(fraction, digits: 3) }
            put("Z")
            return i
        }
    }

    /// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, in seconds since 1970: the range ``string(_:alwaysMilliseconds:)`` formats itself.
    private static let firstFastSecond: Double = -62_135_596_800
    private static let lastFastSecond: Double = 253_402_300_799

    /// The proleptic Gregorian date of a day counted from 1970-01-01 (day 0): the inverse of
    /// the day count ``ISO8601Timestamp`` computes.
    private static func civil(daysSince1970: Int) -> (year: Int, month: Int, day: Int) {
        let z = daysSince1970 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153  // 0 = March
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Parses ISO-8601 date-times with or without fractional seconds and with `Z` or an offset,
    /// or a bare date (`2025-11-30`, midnight UTC); nil otherwise.
    package static func parse(_ text: String) -> Date? {
        if let date = ISO8601Timestamp.parse(text) { return date }
        return try? Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day().parse(text)
    }
}
