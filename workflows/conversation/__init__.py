"""The channel-neutral conversation: the citizen journey and the staff prompts."""
