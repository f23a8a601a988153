"""An item's life: its states and actions, registration, routing, who sees it, its timers, its audit."""
