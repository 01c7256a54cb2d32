"""Scoped staff API tokens (stored hashed, compared in constant time) and the audit log."""
