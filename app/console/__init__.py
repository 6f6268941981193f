"""Front-line screens' own API: the counter tablet's context and topic pictograms, the counselor's own
recent cases and phone consultations logged in one step."""
