"""The running call: end it, hand it over, ask for an interpreter, take a fallback instead of waiting,
check the devices before it, and record who was in it (call legs)."""
