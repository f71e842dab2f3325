/// What a supervisor does to its children when one of them exits: pure decision logic.
///
/// OTP's table: the exited child is restarted when its ``RestartType`` says so for the
/// ``ExitKind``; if it is not, nothing else happens (a temporary child's spec is dropped). If it
/// is, the strategy picks the siblings that are stopped (reverse start order) and restarted
/// (start order). Temporary siblings that are stopped are dropped, never restarted. Siblings that
/// are not active (stopped earlier) are left alone.
struct RestartDecision: Sendable {
    /// One child as the decision sees it, in start order.
    struct Child: Sendable, Hashable {
        var id: String
        var restart: RestartType
        /// Running, or waiting for a scheduled restart.
        var isActive: Bool
    }

    /// The outcome: ids to stop, to restart and to drop.
    struct Plan: Sendable, Hashable, CustomStringConvertible {
        /// Siblings to stop, in the order to stop them (reverse start order).
        var stop: [String] = []
        /// Children to start again, in start order (the exited child included).
        var restart: [String] = []
        /// Specs to remove (temporary children that stopped).
        var drop: [String] = []

        var description: String {
            "stop \(stop) restart \(restart) drop \(drop)"
        }
    }

    let strategy: Supervisor.Strategy

    /// Decides what happens after `exitedID` exits with `exit`.
    ///
    /// - Parameters:
    ///   - exitedID: The child that exited (must appear in `children`).
    ///   - exit: How it exited.
    ///   - children: All children in start order.
    func plan(after exitedID: String, exit: ExitKind, children: [Child]) -> Plan {
        guard let index = children.firstIndex(where: { $0.id == exitedID }) else { return Plan() }
        let exited = children[index]
        guard exited.restart.restarts(after: exit) else {
            return Plan(drop: exited.restart == .temporary ? [exited.id] : [])
        }
        let affected: [Child]
        switch strategy {
        case .oneForOne:
            return Plan(restart: [exited.id])
        case .oneForAll:
            affected = children
        case .restForOne:
            affected = Array(children[index...])
        }
        let siblings = affected.filter { $0.id != exited.id && $0.isActive }
        var plan = Plan()
        plan.stop = siblings.reversed().map(\.id)
        plan.restart = affected.filter { $0.id == exited.id || ($0.isActive && $0.restart != .temporary) }.map(\.id)
        plan.drop = siblings.filter { $0.restart == .temporary }.map(\.id)
        return plan
    }
}
