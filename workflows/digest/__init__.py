"""The weekly analytical note: its text, charts and workbook, and the Monday run that sends it."""
