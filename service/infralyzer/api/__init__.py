"""The read-only HTTP API over the published marts (thin: routing, validation, formats)."""

API_PREFIX = "/api/v1/finops"  # of every data endpoint (the app mounts them there, the Python client calls them there)
