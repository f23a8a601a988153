"""Staff as the channels and the API meet them: who is behind an account or a token, invites, cards."""
