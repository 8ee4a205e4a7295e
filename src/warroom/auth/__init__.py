"""Who may do what: users, roles, sessions, bearer tokens, API keys and the audit log."""
