"""Subscriptions of a device: garbage reminders, quiet hours, news categories, disaster alerts."""
