import SessionsCommand
print("sessions: not yet implemented")
