"""App-owned reminders (vaccinations, tax deadlines computed on the phone): server-side templates."""
