/// How much a write promises when it returns (`../shared/bench/WORKLOAD.md` §3).
public struct Durability: Sendable, Hashable, CustomStringConvertible {
    let syncs: Bool

    /// When `save`, `append` or `cleanup` returns, the change survives a power loss:
    /// its log record has been synced (`fdatasync`; `F_FULLFSYNC` on macOS).
    /// Concurrent writers share one sync (group commit).
    public static let durable = Durability(syncs: true)
    /// When a call returns, every byte has been handed to the kernel: the change survives
    /// a crash of the process but maybe not of the machine. Never corrupts: a torn log tail
    /// is detected by its checksum and dropped on the next open.
    public static let buffered = Durability(syncs: false)

    /// `durable` or `buffered`.
    public var description: String { syncs ? "durable" : "buffered" }
}
