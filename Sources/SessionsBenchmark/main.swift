// sessions-bench: a thin dispatcher over the benchmark subcommands.
// Each subcommand lives in its own file and exposes `static func run(_ arguments: [String]) -> Int32`.
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())

let usage = """
    usage: sessions-bench <subcommand> [arguments]

    subcommands:
      codec CORPUS_DIR [--iterations N]   JSON parse/serialise throughput (ours and Foundation's)

    """

switch arguments.first {
case "codec":
    exit(CodecBenchmark.run(Array(arguments.dropFirst())))
default:
    FileHandle.standardError.write(Data(usage.utf8))
    exit(2)
}
