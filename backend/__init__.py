"""Machi push delivery service (FastAPI + SQLAlchemy 2 + Alembic).

One package per domain: ``devices``, ``subscriptions``, ``reminders``, ``delivery``,
``announcements``, ``admin``; shared modules ``settings``, ``db``, ``errors``.
"""
