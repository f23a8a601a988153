"""The centre's figures: SQL aggregates over items, their charts, CSV and XLSX files."""
