// sessions-bench: a thin dispatcher over the benchmark subcommands.
// Each subcommand lives in its own file; its entry point returns the process's exit status.
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())

let usage = """
    usage: sessions-bench <subcommand> [arguments]

    subcommands:
      codec CORPUS_DIR [--iterations N]        JSON parse/serialise throughput (ours and Foundation's), the
                                               save path's scan (codec_scan; --scan-only: that alone)
      write CORPUS_DIR STORE_DIR [--subset]    workload process 1 (WORKLOAD.md §4) into STORE_DIR/D and STORE_DIR/B
      read  CORPUS_DIR STORE_DIR [--subset]    workload process 2 on STORE_DIR/B
      open  CORPUS_DIR STORE_DIR               open STORE_DIR/B and run queries[0] only (for open_process)
                                               (write/read/open: --cache-mib N sets the message cache, an experiment)
      suite CORPUS_DIR [--runs 3] [--subset] [--sessions N] [--shared DIR] [--results DIR] [--cache-mib N]
                                               generate the corpus if missing, run write/open/read --runs
                                               times on fresh stores, check every run, print a table of medians
      table CORPUS_DIR [--subset] RUN.jsonl...  the suite's table from kept output files
      runtime [--calls N] [--restarts N]       supervision runtime: ChildHandle call round trip, restart latency

    """

switch arguments.first {
case "codec":
    exit(CodecBenchmark.run(Array(arguments.dropFirst())))
case "write", "read", "open":
    exit(await StoreBenchmark.main(arguments[0], Array(arguments.dropFirst())))
case "suite":
    exit(await SuiteDriver.main(Array(arguments.dropFirst())))
case "table":
    exit(SuiteDriver.tableMain(Array(arguments.dropFirst())))
case "runtime":
    exit(await RuntimeBenchmark.main(Array(arguments.dropFirst())))
default:
    FileHandle.standardError.write(Data(usage.utf8))
    exit(2)
}
