"""Background jobs and what they run on: the runtime, the jobs themselves, in-process and under arq."""
