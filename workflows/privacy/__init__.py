"""Personal data in citizens' texts: found (names by a Russian NER model, the rest by patterns) and
masked in everything sent to staff through a messenger; the database keeps the full text."""
