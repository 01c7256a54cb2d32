"""Disaster alerts: JMA warnings (reader, state, push), city evacuation information, shelter state."""
