/// The running instance of a child as its handle sees it.
struct PublishedInstance: Sendable {
    /// The instance.
    let child: any SupervisedChild
    /// Unique per supervisor; tells a stale report from a current one.
    let instanceID: UInt64
    /// Reports a crash of this instance (a throwing cast) to its supervisor.
    let crash: @Sendable (any Error) -> Void
}
