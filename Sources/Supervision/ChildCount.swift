/// Child counts as reported by ``Supervisor/countChildren()`` (OTP's `count_children`).
public struct ChildCount: Sendable, Hashable {
    /// All specs the supervisor holds, running or not.
    public var specs: Int
    /// Children with a running instance.
    public var active: Int
    /// Specs of kind ``ChildSpec/Kind/supervisor``.
    public var supervisors: Int
    /// Specs of kind ``ChildSpec/Kind/worker``.
    public var workers: Int

    /// No children.
    public static let zero = ChildCount(specs: 0, active: 0, supervisors: 0, workers: 0)
}
