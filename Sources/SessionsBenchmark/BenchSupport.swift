import AgentSessions
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shared helpers of the workload benchmarks: timing, percentiles, output lines, logging.
enum Bench {
    /// The monotonic clock every timer uses.
    static let clock = ContinuousClock()

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func microseconds(_ d: Duration) -> Double { seconds(d) * 1e6 }

    /// Nearest-rank percentile (WORKLOAD.md §5): element `ceil(p/100 * n) - 1` of the sorted values.
    /// `percent` is an integer so that the rank is computed exactly (0.99 * n is not exact in binary).
    static func percentile(sorted: [Double], percent: Int) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = (percent * sorted.count + 99) / 100
        return sorted[min(sorted.count, max(1, rank)) - 1]
    }

    /// Peak resident set size of this process in MiB (`getrusage`; Linux reports KiB, macOS bytes).
    static func peakRSSMiB() -> Double {
        var usage = rusage()
        #if os(macOS)
        getrusage(RUSAGE_SELF, &usage)
        return Double(usage.ru_maxrss) / 1_048_576
        #else
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
        #endif
    }

    static func log(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fff]Z` (UTC), the corpus's only timestamp form.
    static func parseTimestamp(_ text: String) -> Date? {
        let b = Array(text.utf8)
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"), b.last == UInt8(ascii: "Z")
        else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                value = value * 10 + Int(b[i] - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var fraction = 0.0
        if b.count > 20 {
            guard b[19] == UInt8(ascii: "."), let digits = number(20..<(b.count - 1)) else { return nil }
            fraction = Double(digits) / pow(10, Double(b.count - 21))
        }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        let whole = Double(days * 86_400 + hour * 3600 + minute * 60 + second)
        return Date(timeIntervalSince1970: whole + fraction)
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (March-based year, so leap days come last).
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let shiftedMonth = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func readFile(_ path: String) throws(BenchError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw BenchError("cannot read \(path)") }
        return [UInt8](data)
    }

    /// The lines of a file, without their newlines; empty lines are skipped.
    static func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
    }
}

/// A failed run: the message goes to stderr and the process exits non-zero.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Latencies of one timed loop, in microseconds.
struct Latencies {
    private(set) var values: [Double] = []
    private var sortedCache: [Double]?

    init(capacity: Int = 0) { values.reserveCapacity(capacity) }

    var count: Int { values.count }

    mutating func append(_ d: Duration) {
        values.append(Bench.microseconds(d))
        sortedCache = nil
    }

    mutating func p(_ percent: Int) -> Double {
        if sortedCache == nil { sortedCache = values.sorted() }
        return Bench.percentile(sorted: sortedCache!, percent: percent)
    }
}

/// One output line (WORKLOAD.md §6): keys in insertion order, numbers formatted with fixed precision.
struct OutputLine {
    private var fields: [(String, String)] = []

    init(impl: String, op: String) {
        add("impl", impl)
        add("op", op)
    }

    mutating func add(_ key: String, _ value: String) { fields.append((key, JSONValue.string(value).jsonString)) }
    mutating func add(_ key: String, _ value: Int) { fields.append((key, String(value))) }
    mutating func add(_ key: String, _ value: Bool) { fields.append((key, value ? "true" : "false")) }
    /// A number with `decimals` digits after the point (seconds: 6, microseconds and rates: 1).
    mutating func add(_ key: String, _ value: Double, decimals: Int) {
        fields.append((key, value.isFinite ? String(format: "%.\(decimals)f", value) : "null"))
    }

    var text: String {
        "{" + fields.map { "\(JSONValue.string($0.0).jsonString):\($0.1)" }.joined(separator: ",") + "}"
    }

    /// Writes the line to stdout at once (so a failure later still leaves the earlier lines).
    func emit() {
        let line = text + "\n"
        FileHandle.standardOutput.write(Data(line.utf8))
    }
}
