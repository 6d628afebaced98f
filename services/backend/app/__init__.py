"""The reference stack's Python API."""
