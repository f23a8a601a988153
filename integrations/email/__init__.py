"""E-mail to citizens and competent bodies: an SMTP client and the outbox's e-mail channel."""
