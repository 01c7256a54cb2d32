"""The electronic maternal-and-child handbook (母子健康手帳): records, the routine-immunization
engine over data/schedule.json, growth percentiles and WHO z-scores, JSON and FHIR exchange.
Pure Python: the app (also in the browser) and the CLI share it; nothing here touches a server."""
