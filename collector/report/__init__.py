"""The built-in report: its queries and its page."""
