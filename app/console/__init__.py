"""Phone consultations logged in one step (moving into app/intake; the rest of the console moved to
app/call, app/consultation and app/device)."""
