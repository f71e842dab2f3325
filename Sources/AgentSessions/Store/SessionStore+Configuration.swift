import Foundation
import Supervision

extension SessionStore {
    /// How a store tree is set up. Every field has a documented default, so `Configuration()`
    /// is a durable store at the default location with the Elixir original's cleanup policy.
    public struct Configuration: Sendable {
        /// The store directory; `nil` uses ``FileBackend/defaultDirectory(environment:)``.
        public var directory: String?
        /// ``Durability/durable`` (default) or ``Durability/buffered``.
        public var durability: Durability = .durable
        /// The memory budget of the loaded-messages cache, in bytes (counted as the cached
        /// sessions' JSON text plus one list element per message); default 64 MiB. 0 disables the cache.
        ///
        /// Sessions this process saves or appends to may use the whole budget. A session loaded
        /// from disk for the first time waits in a probation share of a sixteenth of it (4 MiB by
        /// default) and stays only if it is loaded again while there; so one pass over many
        /// sessions holds at most that share and evicts about that much of the sessions in use.
        /// A session larger than the share is cached when it is loaded again soon after (within
        /// the next 32 such sessions).
        public var cacheBytes: Int = 64 << 20
        /// The log size that triggers a checkpoint; default 64 MiB. While saved sessions' files are
        /// still being written (more than 64) the log may grow to twice this before the checkpoint waits for them.
        public var checkpointBytes: Int = 64 << 20
        /// Periodic cleanup; `nil` disables the cleanup child. Default: every 24 h, 30 days.
        public var cleanup: CleanupPolicy? = CleanupPolicy()
        /// How often the store actor may crash before the tree gives up; default 3 in 5 s.
        public var restartIntensity: RestartIntensity = .default
        /// How long a write waits for the store actor (also during a restart); default 5 s.
        public var callTimeout: Duration = .seconds(5)
        /// The clock for restart windows and cleanup intervals; a ``ManualClock`` in tests.
        public var clock: any Clock<Duration> = ContinuousClock()
        /// The wall-clock "now" for `createdAt`, `updatedAt` and cleanup cutoffs.
        public var now: @Sendable () -> Date = { Date() }
        /// Builds the backend for each (re)start of the store actor; `nil` uses a ``FileBackend``.
        public var backend: (@Sendable () -> any StorageBackend)?
        /// Called after each periodic cleanup with its report (for logs and tests).
        public var onCleanup: (@Sendable (CleanupReport) -> Void)?

        /// A configuration for the store at `directory` (default location when `nil`).
        public init(directory: String? = nil, durability: Durability = .durable) {
            self.directory = directory
            self.durability = durability
        }

        /// The directory this configuration opens.
        public var resolvedDirectory: String { directory ?? FileBackend.defaultDirectory() }

        func makeBackend() -> any StorageBackend {
            if let backend { return backend() }
            let file = FileBackend(directory: resolvedDirectory, durability: durability, checkpointThreshold: checkpointBytes)
            file.deriveMetadata = { id, lines, modified in
                // The stored form is scanned as a save scans it; anything else is parsed.
                let read = StoredFacts.scanning(lines)
                    ?? (try? MessageReader.read(lines, mode: .strict)).map { ($0.messages, StoredFacts($0.messages)) }
                guard let (messages, facts) = read else { return nil }
                return SessionMetadata(
                    id: id, createdAt: messages.first?.timestamp ?? modified, updatedAt: modified,
                    messageCount: messages.count, totalCostUSD: facts.cost, turnCount: facts.turnCount,
                    tags: [], summary: facts.summary, model: facts.model, byteSize: lines.count)
            }
            return file
        }
    }

    /// When and how the cleanup child deletes old sessions (the Elixir defaults).
    public struct CleanupPolicy: Sendable, Hashable {
        /// Time between runs; default 24 hours. The first run is one interval after start.
        public var interval: Duration
        /// Sessions not updated for longer than this are deleted; default 30 days.
        public var maxAge: Duration
        /// Report only, delete nothing; default `false`.
        public var dryRun: Bool

        /// A policy; defaults: every 24 h, 30 days, deleting.
        public init(interval: Duration = .seconds(24 * 3600), maxAge: Duration = .seconds(30 * 86_400), dryRun: Bool = false) {
            self.interval = interval
            self.maxAge = maxAge
            self.dryRun = dryRun
        }
    }
}
