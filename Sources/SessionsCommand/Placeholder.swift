import AgentSessions
enum SessionsCommandPlaceholder {}
