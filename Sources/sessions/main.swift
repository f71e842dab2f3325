import Foundation
import SessionsCommand

// The `sessions` executable: everything lives in SessionsCommand so that tests can import it.
let code = await SessionsCLI.main(
    Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment, console: Console())
exit(code.rawValue)
