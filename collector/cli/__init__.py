"""The `rumhouse` command, one module per concern."""
