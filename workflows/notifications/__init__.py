"""Who is told what: notices about items and alerts to operators, written to the outbox."""
