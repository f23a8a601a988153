"""The shared kernel every domain package uses: errors, the clock, who acts, the staff directory,
the one transaction of a check_ function, the dialect's INSERT."""
