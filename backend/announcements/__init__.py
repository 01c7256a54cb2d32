"""City staff announcements and disaster alerts (CAP-like)."""
