import AgentSessions
print("sessions-bench: not yet implemented")
