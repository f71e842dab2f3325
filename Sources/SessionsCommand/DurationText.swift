import Foundation

/// Parsing and printing of the durations and dates the command line accepts (pure, no I/O).
enum DurationText {
    /// Seconds per unit suffix: `s`, `m` (minutes), `h`, `d`, `w`.
    private static let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]

    /// Parses `30d`, `12h`, `90m`, `45s`, `2w`, `1.5d`; nil for anything else (a unit is required).
    static func parseDuration(_ text: String) -> Duration? {
        guard let unit = text.last, let scale = units[unit] else { return nil }
        let number = text.dropLast()
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              let value = Double(number), value.isFinite, value >= 0
        else { return nil }
        let seconds = value * scale
        guard seconds < 1e12 else { return nil }
        let whole = seconds.rounded(.down)
        return .seconds(Int64(whole)) + .milliseconds(Int64(((seconds - whole) * 1000).rounded()))
    }

    /// Parses an ISO-8601 instant (`2025-11-30T21:13:21Z`, with fractional seconds or an offset)
    /// or a bare date (`2025-11-30`, midnight UTC); nil otherwise.
    static func parseDate(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(timeZone: .gmt).parse(text) { return date }
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt).parse(text) { return date }
        let dateOnly = Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day()
        if text.count == 10, let date = try? dateOnly.parse(text) { return date }
        return nil
    }

    /// A ``DateBound`` from a relative age (`7d`) or an ISO-8601 date; nil otherwise.
    static func parseDateBound(_ text: String) -> DateBound? {
        if let duration = parseDuration(text) { return .ago(duration) }
        return parseDate(text).map(DateBound.absolute)
    }

    /// `2025-11-30T21:13:21.123Z` (UTC, milliseconds **rounded**).
    ///
    /// `Date.ISO8601FormatStyle` truncates fractional seconds, and the instant parsed from
    /// `…21.527Z` is a `Double` just below `.527`, so it would print as `…21.526Z`. Rounding
    /// to whole milliseconds first and printing them ourselves makes parse → print exact.
    static func iso(_ date: Date) -> String {
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
        let seconds = (milliseconds / 1000).rounded(.down)
        let fraction = Int(milliseconds - seconds * 1000)
        let whole = Date(timeIntervalSince1970: seconds).formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
        return String(whole.dropLast()) + "." + String(repeating: "0", count: fraction < 10 ? 2 : fraction < 100 ? 1 : 0) + "\(fraction)Z"
    }

    /// `2025-11-30 21:13` (UTC), for tables.
    static func short(_ date: Date) -> String {
        let text = iso(date)
        return String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix(5))
    }

    /// A duration in seconds.
    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
