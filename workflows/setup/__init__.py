"""A municipality's setup: the YAML file's schema, applying it idempotently, reading it back."""
