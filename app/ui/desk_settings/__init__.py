"""Admin screens for the desk's settings: calendar, resident links and the audit trail (Japanese first)."""
