"""Reservations: a resident (or staff for a phone caller) books a slot with a remote interpreter."""
