"""Live events served by real processes: idle streams, logins that end, several processes."""
