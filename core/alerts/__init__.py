"""Disaster alerts: JMA warnings (jma), state and change rules (state), alert texts (texts)."""
