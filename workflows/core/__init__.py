"""The shared kernel every domain package uses: errors, the clock, who acts."""
