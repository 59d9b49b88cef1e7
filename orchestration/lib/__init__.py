"""Plain libraries used by the Dagster wiring (no Dagster imports here)."""
