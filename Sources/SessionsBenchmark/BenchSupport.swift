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
