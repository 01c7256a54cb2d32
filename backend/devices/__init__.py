"""Devices: registration, token refresh, unregistration, bearer secrets (stored hashed)."""
