"""Duplicates across citizens: a new item close in text, place and time to another citizen's
open item. `score` is pure (the bench runs it on the spb-appeals pairs); `search` finds the
candidates in the database."""
