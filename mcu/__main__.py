"""`python -m mcu` is the same as the `mcu` command."""

from mcu.cli import app

app()
