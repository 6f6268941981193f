"""The app's one websocket: the endpoint and the dispatch of its frames, above the domains it serves."""
