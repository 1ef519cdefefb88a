"""Scope groups shared by several rules (see migrator.payload.kinds for where each applies)."""

# A tracking as the API returns it (responses, webhooks, bare stored objects).
RESPONSE = ("tracking",)
# Tracking request bodies after their wrapper is removed.
CREATE = ("create-request",)
UPDATE = ("update-request",)
DETECT = ("detect-request",)
WRITE = CREATE + UPDATE
# Query parameters of GET /trackings (only code sends them; stored bodies never hold them).
LIST_QUERY = ("list-query",)
