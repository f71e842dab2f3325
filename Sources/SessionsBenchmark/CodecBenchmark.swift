import AgentSessions
import Foundation

/// `sessions-bench codec CORPUS_DIR [--iterations N]`
///
/// Measures, on one core, over every line of `CORPUS_DIR/sessions/*.jsonl`:
/// - `parse`: bytes → `JSONValue` (ours) and bytes → `JSONSerialization.jsonObject` (Foundation);
/// - `serialize`: value → compact bytes, ours (`write(into:)` into a reused, reserved buffer)
///   and Foundation's (`JSONSerialization.data(withJSONObject:)`);
/// - `scan`: per session file, what a save does before it logs (`StoredFacts.scanning`:
///   validate every line, decode the few the metadata needs), in MB/s of session text;
/// - `session`: per session file, `MessageReader.read` + `Session.summarize` + re-serialising
///   every message (the parse-everything path), p50/p99 in microseconds.
/// It also checks that our re-serialisation is byte-identical to every input line.
///
/// Throughput is input (or output) bytes / seconds, in MB/s with MB = 10^6 bytes, best of
/// N iterations (default 10 for ours, 2 for Foundation). One JSON object per line on stdout.
enum CodecBenchmark {
    static func run(_ arguments: [String]) -> Int32 {
        guard let corpus = arguments.first else {
            FileHandle.standardError.write(Data("usage: sessions-bench codec CORPUS_DIR [--iterations N]\n".utf8))
            return 2
        }
        var iterations = 10
        if let i = arguments.firstIndex(of: "--iterations"), i + 1 < arguments.count, let n = Int(arguments[i + 1]), n > 0 {
            iterations = n
        }
        let sessionsDirectory = URL(fileURLWithPath: corpus).appendingPathComponent("sessions")
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: sessionsDirectory.path)
                .filter { $0.hasSuffix(".jsonl") }.sorted()
        } catch {
            FileHandle.standardError.write(Data("cannot list \(sessionsDirectory.path): \(error)\n".utf8))
            return 1
        }
        // Load everything before any timer starts.
        var files: [[UInt8]] = []
        var lines: [[UInt8]] = []
        for name in names {
            guard let data = FileManager.default.contents(atPath: sessionsDirectory.appendingPathComponent(name).path) else {
                FileHandle.standardError.write(Data("cannot read \(name)\n".utf8))
                return 1
            }
            let bytes = [UInt8](data)
            files.append(bytes)
            for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
                lines.append(Array(line))
            }
        }
        let totalBytes = lines.reduce(0) { $0 + $1.count }
        Bench.log("codec: \(files.count) sessions, \(lines.count) lines, \(totalBytes) bytes")

        // Correctness: parse → write is byte-identical.
        var values: [JSONValue] = []
        values.reserveCapacity(lines.count)
        var mismatches = 0
        for (index, line) in lines.enumerated() {
            do {
                let value = try JSONValue(parsing: line)
                if value.serialized() != line {
                    mismatches += 1
                    if mismatches <= 3 {
                        Bench.log("mismatch on line \(index):\n  in:  \(String(decoding: line, as: UTF8.self))\n  out: \(value.jsonString)")
                    }
                }
                values.append(value)
            } catch {
                Bench.log("line \(index) failed to parse: \(error)")
                return 1
            }
        }

        // The save path: validate and derive the metadata from the text.
        if let bad = files.firstIndex(where: { StoredFacts.scanning($0) == nil }) {
            Bench.log("session \(names[bad]) is not in the stored form")
            return 1
        }
        let scanSeconds = best(of: iterations) {
            var count = 0
            for file in files { count &+= StoredFacts.scanning(file)?.messages.count ?? 0 }
            return count
        }
        let sessionBytes = files.reduce(0) { $0 + $1.count }
        emit(["op": "codec_scan", "bytes": sessionBytes, "seconds": scanSeconds, "mb_per_sec": mbps(sessionBytes, scanSeconds), "iterations": iterations])
        if arguments.contains("--scan-only") { return mismatches == 0 ? 0 : 1 }
        if arguments.contains("--session-only") {
            sessionBenchmark(files)
            return mismatches == 0 ? 0 : 1
        }
        // Ours: parse.
        let parseSeconds = best(of: iterations) {
            var count = 0
            for line in lines {
                line.withUnsafeBytes { raw in
                    if case .object(let object)? = try? JSONValue(parsing: raw) { count &+= object.count }
                }
            }
            return count
        }
        // Ours: serialise.
        var outputBytes = 0
        let writeSeconds = best(of: iterations) {
            var buffer: [UInt8] = []
            buffer.reserveCapacity(1 << 20)
            var total = 0
            for value in values {
                buffer.removeAll(keepingCapacity: true)
                value.write(into: &buffer)
                total &+= buffer.count
            }
            outputBytes = total
            return total
        }
        // Foundation.
        let datas = lines.map { Data($0) }
        let foundationIterations = arguments.contains("--skip-foundation") ? 0 : max(1, min(iterations, 2))
        let foundationParseSeconds = best(of: foundationIterations) {
            var count = 0
            for data in datas {
                if let object = try? JSONSerialization.jsonObject(with: data) as? NSDictionary { count &+= object.count }
            }
            return count
        }
        let objects = foundationIterations == 0 ? [] : datas.compactMap { try? JSONSerialization.jsonObject(with: $0) }
        var foundationOutputBytes = 0
        let foundationWriteSeconds = best(of: foundationIterations) {
            var total = 0
            for object in objects {
                if let data = try? JSONSerialization.data(withJSONObject: object) { total &+= data.count }
            }
            foundationOutputBytes = total
            return total
        }

        emit(["op": "codec_parse", "parser": "agentsessions", "bytes": totalBytes, "seconds": parseSeconds, "mb_per_sec": mbps(totalBytes, parseSeconds), "iterations": iterations])
        emit(["op": "codec_parse", "parser": "foundation", "bytes": totalBytes, "seconds": foundationParseSeconds, "mb_per_sec": mbps(totalBytes, foundationParseSeconds), "iterations": foundationIterations])
        emit(["op": "codec_serialize", "writer": "agentsessions", "bytes": outputBytes, "seconds": writeSeconds, "mb_per_sec": mbps(outputBytes, writeSeconds), "iterations": iterations, "byte_identical": mismatches == 0, "mismatched_lines": mismatches])
        emit(["op": "codec_serialize", "writer": "foundation", "bytes": foundationOutputBytes, "seconds": foundationWriteSeconds, "mb_per_sec": mbps(foundationOutputBytes, foundationWriteSeconds), "iterations": foundationIterations])
        sessionBenchmark(files)
        return mismatches == 0 ? 0 : 1
    }

    /// Per session: read + summarise + re-serialise, as the store's ingest path does.
    /// Reports the whole call's p50/p99 and the p50 of each phase.
    static func sessionBenchmark(_ files: [[UInt8]]) {
        var total: [Double] = [], read: [Double] = [], summarize: [Double] = [], write: [Double] = []
        let clock = ContinuousClock()
        var sink = 0
        for _ in 0..<3 {
            total.removeAll(keepingCapacity: true)
            read.removeAll(keepingCapacity: true)
            summarize.removeAll(keepingCapacity: true)
            write.removeAll(keepingCapacity: true)
            for file in files {
                let t0 = clock.now
                guard let result = try? MessageReader.read(file, mode: .strict) else { continue }
                let t1 = clock.now
                let summary = Session.summarize(result.messages)
                let t2 = clock.now
                var buffer: [UInt8] = []
                buffer.reserveCapacity(file.count + 64)
                for message in result.messages {
                    message.json.write(into: &buffer)
                    buffer.append(UInt8(ascii: "\n"))
                }
                let t3 = clock.now
                sink &+= buffer.count &+ summary.messageCount
                total.append(Bench.microseconds(t3 - t0))
                read.append(Bench.microseconds(t1 - t0))
                summarize.append(Bench.microseconds(t2 - t1))
                write.append(Bench.microseconds(t3 - t2))
            }
        }
        let meanBytes = Double(files.reduce(0) { $0 + $1.count }) / Double(max(1, files.count))
        emit([
            "op": "codec_session", "count": total.count, "mean_session_bytes": round1(meanBytes),
            "p50_us": round1(percentile(total, 50)), "p99_us": round1(percentile(total, 99)),
            "read_p50_us": round1(percentile(read, 50)), "summarize_p50_us": round1(percentile(summarize, 50)),
            "serialize_p50_us": round1(percentile(write, 50)), "sink": sink & 1,
        ])
    }

    /// Nearest-rank percentile (WORKLOAD.md §5), through ``Bench/percentile(sorted:percent:)``.
    static func percentile(_ values: [Double], _ percent: Int) -> Double {
        Bench.percentile(sorted: values.sorted(), percent: percent)
    }

    static func round1(_ value: Double) -> Double { (value * 10).rounded() / 10 }

    static func best(of iterations: Int, _ body: () -> Int) -> Double {
        let clock = ContinuousClock()
        var best = Double.infinity
        var sink = 0
        for _ in 0..<iterations {
            let start = clock.now
            sink &+= body()
            best = min(best, Bench.seconds(clock.now - start))
        }
        if sink == 42 { Bench.log("") }
        return best
    }

    static func mbps(_ bytes: Int, _ seconds: Double) -> Double {
        ((Double(bytes) / seconds / 1e6) * 10).rounded() / 10
    }

    static func emit(_ fields: KeyValuePairs<String, Any>) {
        var object = JSONObject()
        object.append(key: "impl", value: "swift-codec")
        for (key, value) in fields {
            switch value {
            case let v as Int: object.append(key: key, value: .int(Int64(v)))
            case let v as Double: object.append(key: key, value: .double(v))
            case let v as Bool: object.append(key: key, value: .bool(v))
            case let v as String: object.append(key: key, value: .string(v))
            default: object.append(key: key, value: .string("\(value)"))
            }
        }
        print(JSONValue.object(object).jsonString)
    }

}
