"""Tools for users: realistic traffic for a new install."""
