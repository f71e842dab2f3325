import Supervision
enum AgentSessionsPlaceholder {}
