import Foundation
import AgentSessions

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
    static func parseDate(_ text: String) -> Date? { ISO8601.parse(text) }

    /// A ``DateBound`` from a relative age (`7d`) or an ISO-8601 date; nil otherwise.
    static func parseDateBound(_ text: String) -> DateBound? {
        if let duration = parseDuration(text) { return .ago(duration) }
        return parseDate(text).map(DateBound.absolute)
    }

    /// `2025-11-30T21:13:21.123Z` (UTC, milliseconds always shown and **rounded**, as ``ISO8601/string(_:alwaysMilliseconds:)``).
    static func iso(_ date: Date) -> String { ISO8601.string(date, alwaysMilliseconds: true) }

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
