"""Public posts about local problems: the candidate filter and the grouping into incidents
(pure domain code: no database, no transport)."""
