import AgentSessions
import Foundation

/// `sessions-bench suite CORPUS_DIR [--runs 3] [--subset] [--sessions N] [--shared DIR] [--results DIR] [--cache-mib N]`
///
/// The driver of WORKLOAD.md §4: generates the corpus if it is missing (`gen_corpus.py --sessions N
/// --seed 1`; N from `--sessions`, else from the directory's name: `corpus-10k` is 10,000),
/// then for each run makes fresh stores under `/tmp`, runs this executable's `write`,
/// `open` (timed from spawn to exit: the `open_process` line) and `read` as separate processes,
/// checks the run's lines with `check_results.py`, and finally prints a Markdown table of the
/// medians over the runs (with min–max where the spread exceeds 10 %) on stdout.
///
/// `--shared` is the directory holding `gen_corpus.py` and `check_results.py`; by default the first
/// `shared/bench` found walking up from the current directory (the repository's `../shared/bench`).
/// Each run's output lines are kept in `--results` (default: a new directory under `/tmp`).
enum SuiteDriver {
    static func main(_ arguments: [String]) async -> Int32 {
        do {
            return try run(arguments)
        } catch {
            Bench.log("sessions-bench suite: FAILED: \(error)")
            return 1
        }
    }

    /// `table CORPUS_DIR [--subset] RUN.jsonl...`: the table of a finished suite, from its kept output files.
    static func tableMain(_ arguments: [String]) -> Int32 {
        let files = arguments.filter { !$0.hasPrefix("--") }
        guard files.count >= 2 else {
            Bench.log("usage: sessions-bench table CORPUS_DIR [--subset] RUN.jsonl...")
            return 2
        }
        do {
            print(try table(Array(files.dropFirst()), corpus: files[0], subset: arguments.contains("--subset")))
            return 0
        } catch {
            Bench.log("sessions-bench table: FAILED: \(error)")
            return 1
        }
    }

    static func option(_ arguments: [String], _ name: String) -> String? {
        guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
        return arguments[i + 1]
    }

    static func run(_ arguments: [String]) throws -> Int32 {
        let valued: Set<String> = ["--runs", "--sessions", "--shared", "--results", "--cache-mib"]
        var positional: [String] = []
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if valued.contains(a) { i += 2; continue }
            if a == "--subset" { i += 1; continue }
            guard !a.hasPrefix("--") else { throw BenchError("unknown option \(a)") }
            positional.append(a)
            i += 1
        }
        guard positional.count == 1 else {
            Bench.log("usage: sessions-bench suite CORPUS_DIR [--runs 3] [--subset] [--sessions N] [--shared DIR] [--results DIR] [--cache-mib N]")
            return 2
        }
        let corpus = positional[0]
        let subset = arguments.contains("--subset")
        guard let runs = Int(option(arguments, "--runs") ?? "3"), runs > 0 else { throw BenchError("--runs needs a positive integer") }
        let shared = try option(arguments, "--shared") ?? findShared()
        let generator = shared + "/gen_corpus.py", checker = shared + "/check_results.py"
        let fm = FileManager.default
        guard fm.fileExists(atPath: checker) else { throw BenchError("no \(checker)") }

        if !fm.fileExists(atPath: corpus + "/workload.json") {
            guard let sessions = option(arguments, "--sessions").flatMap(Int.init) ?? sessionsFromName(corpus) else {
                throw BenchError("\(corpus) has no workload.json: pass --sessions N to generate it")
            }
            Bench.log("suite: generating \(sessions) sessions into \(corpus)")
            let status = try spawn("/usr/bin/env", ["python3", generator, "--sessions", String(sessions), "--seed", "1", "--out", corpus])
            guard status == 0 else { throw BenchError("gen_corpus.py exited with \(status)") }
        }

        let pid = ProcessInfo.processInfo.processIdentifier
        let results = option(arguments, "--results") ?? "/tmp/sessions-bench-results-\(pid)"
        try fm.createDirectory(atPath: results, withIntermediateDirectories: true)
        guard let executable = Bundle.main.executablePath else { throw BenchError("cannot find this executable's path") }
        let cache = option(arguments, "--cache-mib").map { ["--cache-mib", $0] } ?? []
        let extra = (subset ? ["--subset"] : []) + cache

        var outputs: [String] = []
        // Stores are removed after the last run, not between runs: on this machine's ext4 (no
        // journal) every inode freed in the last ~30 s slows the next file creation down, so
        // deleting one run's 20,000+ files right before the next run's ingest would bias it.
        var created: [String] = []
        // `rm -rf` rather than FileManager.removeItem, which died on a 100,000-session store here.
        defer { if !created.isEmpty { _ = try? spawn("/bin/rm", ["-rf"] + created) } }
        for run in 1...runs {
            let stores = "/tmp/sessions-bench-stores-\(pid)-\(run)"
            guard !fm.fileExists(atPath: stores) else { throw BenchError("\(stores) exists") }
            try fm.createDirectory(atPath: stores, withIntermediateDirectories: true)
            created.append(stores)
            let output = "\(results)/run-\(run).jsonl"
            guard fm.createFile(atPath: output, contents: nil) else { throw BenchError("cannot create \(output)") }
            let start = Bench.clock.now
            Bench.log("suite: run \(run)/\(runs): write")
            guard try spawn(executable, ["write", corpus, stores] + extra, stdout: output) == 0 else { throw BenchError("run \(run): write failed") }
            Bench.log("suite: run \(run)/\(runs): open (process)")
            let openStart = Bench.clock.now
            guard try spawn(executable, ["open", corpus, stores] + cache, stdout: output) == 0 else { throw BenchError("run \(run): open failed") }
            let openSeconds = Bench.seconds(Bench.clock.now - openStart)
            var line = OutputLine(impl: StoreBenchmark.implName(cacheMiB: option(arguments, "--cache-mib").flatMap(Int.init)), op: "open_process")
            line.add("n", try sessions(corpus))
            line.add("process_seconds", openSeconds, decimals: 6)
            try appendLine(line.text, to: output)
            Bench.log("suite: run \(run)/\(runs): read")
            guard try spawn(executable, ["read", corpus, stores] + extra, stdout: output) == 0 else { throw BenchError("run \(run): read failed") }
            Bench.log("suite: run \(run)/\(runs): both processes in \(String(format: "%.1f", Bench.seconds(Bench.clock.now - start))) s")
            guard try spawn("/usr/bin/env", ["python3", checker, corpus, output], stdout: nil, stdoutToStderr: true) == 0 else {
                throw BenchError("run \(run): check_results.py failed on \(output)")
            }
            outputs.append(output)
        }
        Bench.log("suite: results in \(results)")
        print(try table(outputs, corpus: corpus, subset: subset))
        fflush(nil)  // all C streams, before the stores are removed
        return 0
    }

    /// `corpus-10k` → 10,000, `corpus-1000` → 1,000: the size a corpus directory's name announces.
    static func sessionsFromName(_ corpus: String) -> Int? {
        let name = URL(fileURLWithPath: corpus).lastPathComponent.lowercased()
        guard let dash = name.lastIndex(of: "-") else { return nil }
        var digits = name[name.index(after: dash)...]
        var scale = 1
        if digits.hasSuffix("k") { scale = 1000; digits = digits.dropLast() }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let n = Int(digits), n > 0 else { return nil }
        return n * scale
    }

    static func sessions(_ corpus: String) throws -> Int {
        let value = try JSONValue(parsing: Bench.readFile(corpus + "/workload.json"))
        guard let n = value["sessions"]?.intValue else { throw BenchError("workload.json has no sessions") }
        return n
    }

    static func findShared() throws -> String {
        var directory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL
        while true {
            let candidate = directory.appendingPathComponent("shared/bench").path
            if FileManager.default.fileExists(atPath: candidate + "/check_results.py") { return candidate }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { break }
            directory = parent
        }
        throw BenchError("no shared/bench/check_results.py above the current directory: pass --shared DIR")
    }

    /// Runs a program to completion; its stdout is appended to `stdout` (or inherited), stderr inherited.
    @discardableResult
    static func spawn(_ path: String, _ arguments: [String], stdout: String? = nil, stdoutToStderr: Bool = false) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var handle: FileHandle?
        if let stdout {
            guard let h = FileHandle(forWritingAtPath: stdout) else { throw BenchError("cannot write \(stdout)") }
            h.seekToEndOfFile()
            handle = h
            process.standardOutput = h
        } else if stdoutToStderr {
            process.standardOutput = FileHandle.standardError
        }
        // Its termination handler, not `waitUntilExit()`, which polls a run loop (such waits
        // have been reported to hang on Linux).
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        exited.wait()
        try handle?.close()
        return process.terminationStatus
    }

    static func appendLine(_ line: String, to path: String) throws {
        guard let h = FileHandle(forWritingAtPath: path) else { throw BenchError("cannot write \(path)") }
        h.seekToEndOfFile()
        h.write(Data((line + "\n").utf8))
        try h.close()
    }

    // MARK: The table

    /// One row per output line kind; each cell is the median over the runs, with min–max when
    /// (max - min) exceeds 10 % of the median.
    static func table(_ outputs: [String], corpus: String, subset: Bool) throws -> String {
        var order: [String] = []
        var rows: [String: [[String: JSONValue]]] = [:]
        for output in outputs {
            for line in Bench.lines(try Bench.readFile(output)) {
                guard let object = try JSONValue(parsing: Array(line)).objectValue else { continue }
                var fields: [String: JSONValue] = [:]
                for (key, value) in object { fields[key] = value }
                let op = fields["op"]?.stringValue ?? "?"
                let qualifier = fields["mode"]?.stringValue ?? fields["query"]?.stringValue ?? fields["process"]?.stringValue
                let key = qualifier.map { "\(op) \($0)" } ?? op
                if rows[key] == nil { order.append(key) }
                rows[key, default: []].append(fields)
            }
        }
        let n = try sessions(corpus)
        var text = "N = \(n)\(subset ? " (read subset)" : ""), \(outputs.count) run(s); median, (min–max) where the spread exceeds 10 %\n\n"
        text += "| operation | per second | p50 µs | p99 µs | other |\n|---|---:|---:|---:|---|\n"
        for key in order {
            let lines = rows[key]!
            func cell(_ field: String, scale: Double = 1, decimals: Int = 1) -> String {
                let values = lines.compactMap { $0[field]?.doubleValue }.map { $0 * scale }
                guard !values.isEmpty else { return "" }
                return summary(values, decimals: decimals)
            }
            var other: [String] = []
            switch lines[0]["op"]?.stringValue {
            case "cleanup": other = ["\(cell("seconds", scale: 1000, decimals: 2)) ms", "deleted \(cell("count", decimals: 0))"]
            case "open": other = ["\(cell("seconds", scale: 1000, decimals: 2)) ms", "matches \(cell("matches", decimals: 0))"]
            case "open_process": other = ["\(cell("process_seconds", scale: 1000, decimals: 1)) ms (exec→exit)"]
            case "rss": other = ["peak RSS \(cell("peak_rss_mb")) MiB"]
            case "ingest", "append", "load":
                other = ["\(cell("seconds", decimals: 3)) s"]
                if lines[0]["messages"] != nil { other.append("\(cell("messages", decimals: 0)) messages") }
            case "search": other = ["matches \(cell("matches", decimals: 0)), iters \(cell("iters", decimals: 0))"]
            case "list": other = ["returned \(cell("returned", decimals: 0)), iters \(cell("iters", decimals: 0))"]
            default: break
            }
            text += "| \(key) | \(cell("per_sec", decimals: 0)) | \(cell("p50_us")) | \(cell("p99_us")) | \(other.joined(separator: "; ")) |\n"
        }
        return text
    }

    static func summary(_ values: [Double], decimals: Int) -> String {
        let sorted = values.sorted()
        // The median of an even count is the mean of the middle two.
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        func f(_ x: Double) -> String { String(format: "%.\(decimals)f", x) }
        let spread = sorted.last! - sorted.first!
        if median != 0, spread / abs(median) > 0.10 { return "\(f(median)) (\(f(sorted.first!))–\(f(sorted.last!)))" }
        return f(median)
    }
}
