import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs agent turns with the `claude` CLI and records them in a ``SessionStore``.
///
/// Each turn spawns `claude -p PROMPT --output-format stream-json --verbose` (plus
/// `--model`, `--resume ID`, `--continue`, `--fork-session` and extra arguments) and streams
/// its messages to the caller as an ``AgentRun``. With a store, every message is recorded
/// **before** the caller sees it: the session is saved when its id is known from the `init`
/// message (with the messages before it), then each further message is appended. So if this
/// process or the agent dies mid-turn, the store keeps everything received up to then.
///
/// ```swift
/// let runner = ClaudeCodeRunner(store: store)
/// for try await message in runner.run("Fix the failing test", options: RunOptions(tags: ["ci"])) {
///     print(message.type ?? "?", message.text)
/// }
/// let next = try await runner.resume(sessionID, prompt: "Now add a regression test").collect()
/// ```
public struct ClaudeCodeRunner: Sendable {
    /// How the runner finds and starts the CLI.
    public struct Configuration: Sendable {
        /// The executable; `nil` uses `CLAUDE_PATH` from ``environment``, else searches its `PATH` for `claude`.
        public var executablePath: String?
        /// The child's environment (and where `CLAUDE_PATH` and `PATH` are looked up); default: this process's.
        public var environment: [String: String]
        /// The child's working directory; `nil` inherits this process's.
        public var workingDirectory: String?
        /// `--model` for every run (a run's ``RunOptions/model`` wins); default none.
        public var model: String?
        /// Arguments added to every run, before the run's own extra arguments; default none.
        public var extraArguments: [String]
        /// How long a cancelled or failed run waits after `SIGTERM` before `SIGKILL`; default 5 s.
        public var terminationGracePeriod: Duration
        /// How many bytes of the child's stderr are kept for errors; default 4096.
        public var stderrTailBytes: Int

        /// A configuration; every parameter has the documented default.
        /// - Parameters:
        ///   - executablePath: the CLI to run, or `nil` to look it up.
        ///   - environment: the child's environment.
        ///   - workingDirectory: the child's working directory.
        ///   - model: the default model.
        ///   - extraArguments: arguments for every run.
        ///   - terminationGracePeriod: time between `SIGTERM` and `SIGKILL`.
        ///   - stderrTailBytes: stderr bytes kept for error messages.
        public init(
            executablePath: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
            workingDirectory: String? = nil, model: String? = nil, extraArguments: [String] = [],
            terminationGracePeriod: Duration = .seconds(5), stderrTailBytes: Int = 4096
        ) {
            self.executablePath = executablePath
            self.environment = environment
            self.workingDirectory = workingDirectory
            self.model = model
            self.extraArguments = extraArguments
            self.terminationGracePeriod = terminationGracePeriod
            self.stderrTailBytes = stderrTailBytes
        }
    }

    /// The store runs are recorded in; `nil` streams without recording.
    public let store: SessionStore?
    /// How the CLI is found and started.
    public let configuration: Configuration

    /// Creates a runner.
    /// - Parameters:
    ///   - store: where to record sessions, or `nil` not to record.
    ///   - configuration: how to find and start the CLI.
    public init(store: SessionStore? = nil, configuration: Configuration = Configuration()) {
        self.store = store
        self.configuration = configuration
    }

    /// One agent turn. Nothing happens until the returned sequence is iterated; see ``AgentRun``.
    /// - Parameters:
    ///   - prompt: the prompt (`-p`).
    ///   - options: resume/continue/fork, model, extra arguments, tags.
    public func run(_ prompt: String, options: RunOptions = RunOptions()) -> AgentRun {
        AgentRun(runner: self, prompt: prompt, options: options)
    }

    /// Resumes a session with a new prompt (`--resume ID`), appending the turn to the stored
    /// session, as the Elixir `ClaudeCodeSDK.resume/2`. A session not yet in the store is saved.
    /// - Parameters:
    ///   - sessionID: the session to resume.
    ///   - prompt: the next prompt.
    ///   - tags: tags to add to the session.
    public func resume(_ sessionID: String, prompt: String, tags: [String] = []) -> AgentRun {
        run(prompt, options: RunOptions(resume: sessionID, tags: tags))
    }

    /// The CLI arguments for a turn (without the program name).
    /// - Parameters:
    ///   - prompt: the prompt.
    ///   - options: the turn's options.
    public func arguments(prompt: String, options: RunOptions) -> [String] {
        var arguments = ["-p", prompt, "--output-format", "stream-json", "--verbose"]
        if let model = options.model ?? configuration.model { arguments += ["--model", model] }
        if let resume = options.resume { arguments += ["--resume", resume] }
        if options.continueConversation { arguments.append("--continue") }
        if options.forkSession { arguments.append("--fork-session") }
        return arguments + configuration.extraArguments + options.extraArguments
    }

    /// The executable a run would start: ``Configuration/executablePath``, else `CLAUDE_PATH`,
    /// else the first executable `claude` on `PATH`.
    /// - Throws: ``ClaudeCodeError/executableNotFound(name:searched:)``.
    public func locateExecutable() throws(ClaudeCodeError) -> String {
        func isExecutable(_ path: String) -> Bool {
            var isDirectory: ObjCBool = false
            return access(path, X_OK) == 0 && FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
        let explicit = configuration.executablePath ?? configuration.environment["CLAUDE_PATH"].flatMap { $0.isEmpty ? nil : $0 }
        if let explicit {
            guard isExecutable(explicit) else { throw .executableNotFound(name: explicit, searched: [explicit]) }
            return explicit
        }
        let directories = (configuration.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        var searched: [String] = []
        for directory in directories where !directory.isEmpty {
            let candidate = directory + "/claude"
            searched.append(candidate)
            if isExecutable(candidate) { return candidate }
        }
        throw .executableNotFound(name: "claude", searched: searched)
    }
}
