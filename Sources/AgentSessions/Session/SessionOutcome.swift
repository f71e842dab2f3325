/// How a session ended, judged from its last `result` message.
///
/// `is_error` alone is not trustworthy: the CLI reports subtypes such as
/// `error_max_turns` and `error_during_execution` with `is_error: false`. So a
/// result is an error when its subtype starts with `error` *or* `is_error` is
/// true; otherwise it is a success.
public enum SessionOutcome: Sendable, Hashable {
    /// The last result is a success (subtype `success` or absent, `is_error` not true).
    case success
    /// The last result is an error; `subtype` is the result's subtype as written
    /// (`error_max_turns`, `error_during_execution`, ..., or `success` when only
    /// `is_error: true` marked it), nil when absent.
    case error(subtype: String?)
    /// There is no result message: the stream ended early (crash, kill, still running).
    case incomplete

    /// Classifies a result message.
    ///
    /// - Parameter result: A `type: "result"` message.
    /// - Returns: ``success`` or ``error(subtype:)``.
    public static func classify(result: Message) -> SessionOutcome {
        let subtype = result.subtype
        if subtype?.hasPrefix("error") == true || result.isError == true {
            return .error(subtype: subtype)
        }
        return .success
    }
}
