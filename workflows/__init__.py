"""The domain, a package per area, from the conversation down to core (see README, "How it works";
the order is checked by lint-imports). No transport is imported here."""
