"""aftership-migrate: move Python code and stored JSON from AfterShip Tracking API v4 to 2025-01."""

__version__ = "0.1.0"
