"""Text chat with machine translation between a counselor (Japanese) and a resident, and case summaries."""
