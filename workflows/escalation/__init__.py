"""Escalation: the poller that fires due timers once, and the retries of timers that fail."""
