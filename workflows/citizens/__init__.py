"""Citizens: the least data an item needs, their consent, their erasure, their recent reports."""
