"""Opening consultations: every entry point (API, resident, reservation start, phone) comes here."""
