"""All texts in Russian, in one catalogue."""
