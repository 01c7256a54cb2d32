"""Planner and dispatcher on a durable outbox; FCM and inbox transports; the fake FCM server."""
