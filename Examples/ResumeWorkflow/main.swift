import AgentSessions
print("ResumeWorkflow: not yet implemented")
