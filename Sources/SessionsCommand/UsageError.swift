/// A command line that `sessions` cannot run, found by ``ArgumentParser/parse(_:)``.
///
/// Every case names the offending word and the subcommand it was given to, and
/// ``description`` is one line saying what to do. The command exits with
/// ``ExitCode/usage`` (2). Match on ``code`` in tests and scripts; its values never change.
package enum UsageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No subcommand was given.
    case missingCommand
    /// The first word is not a subcommand.
    case unknownCommand(String)
    /// An option the subcommand does not accept (`command` is `nil` before the subcommand).
    case unknownOption(String, command: String?)
    /// An option that needs a value was last, or was followed by another `--option`.
    case missingValue(option: String, command: String?)
    /// A flag was given a value with `--flag=value`.
    case unexpectedValue(option: String, command: String?)
    /// A value that does not have the required form.
    case invalidValue(option: String, value: String, expected: String, command: String?)
    /// A required argument or option is missing.
    case missingArgument(String, command: String)
    /// More positional arguments than the subcommand takes.
    case unexpectedArgument(String, command: String)
    /// Two options that exclude each other.
    case conflictingOptions(String, String, command: String?)

    /// The stable code: `missing_command`, `unknown_command`, `unknown_option`, `missing_value`,
    /// `unexpected_value`, `invalid_value`, `missing_argument`, `unexpected_argument`, `conflicting_options`.
    package var code: String {
        switch self {
        case .missingCommand: "missing_command"
        case .unknownCommand: "unknown_command"
        case .unknownOption: "unknown_option"
        case .missingValue: "missing_value"
        case .unexpectedValue: "unexpected_value"
        case .invalidValue: "invalid_value"
        case .missingArgument: "missing_argument"
        case .unexpectedArgument: "unexpected_argument"
        case .conflictingOptions: "conflicting_options"
        }
    }

    /// The subcommand the error belongs to, when known.
    package var command: String? {
        switch self {
        case .missingCommand, .unknownCommand: nil
        case .unknownOption(_, let command), .missingValue(_, let command), .unexpectedValue(_, let command),
             .invalidValue(_, _, _, let command), .conflictingOptions(_, _, let command): command
        case .missingArgument(_, let command), .unexpectedArgument(_, let command): command
        }
    }

    /// One line: what is wrong, then where to read about it.
    package var description: String {
        let help = command.map { "run `sessions \($0) --help`" } ?? "run `sessions --help`"
        let what: String
        switch self {
        case .missingCommand: what = "no command given"
        case .unknownCommand(let word): what = "unknown command \(Self.quote(word))"
        case .unknownOption(let option, _): what = "unknown option \(Self.quote(option))"
        case .missingValue(let option, _): what = "option \(option) needs a value"
        case .unexpectedValue(let option, _): what = "option \(option) takes no value"
        case .invalidValue(let option, let value, let expected, _):
            what = "\(option) \(Self.quote(value)) is not valid: expected \(expected)"
        case .missingArgument(let argument, _): what = "missing \(argument)"
        case .unexpectedArgument(let argument, _): what = "unexpected argument \(Self.quote(argument))"
        case .conflictingOptions(let a, let b, _): what = "\(a) and \(b) cannot be used together"
        }
        return "usage: \(what); \(help)"
    }

    /// Quotes a word for an error line, escaping control characters and cutting it at 60 characters.
    static func quote(_ word: String) -> String {
        var out = ""
        for scalar in word.unicodeScalars.prefix(60) {
            out += scalar.value < 0x20 || scalar.value == 0x7F ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
        }
        if word.unicodeScalars.count > 60 { out += "…" }
        return "'\(out)'"
    }
}
