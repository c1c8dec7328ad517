"""The read-only HTTP API over the published marts (thin: routing, validation, formats)."""
