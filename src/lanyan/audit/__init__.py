"""Read-only access to the audit trail (the table itself lives in lanyan.core.audit)."""
