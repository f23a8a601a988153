"""Delivering the outbox: channel ports, pacing, the sender, notices as plain text."""
