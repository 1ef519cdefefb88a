"""The rule catalogue: every change from AfterShip Tracking API v4 to 2025-01, by stable code.

AS1xx general (§1) and the legacy SDKs (§3), AS2xx endpoints (§2), AS3xx tracking fields (§4-§6), AS4xx bodies and
lists (§7-§8), AS5xx couriers (§9-§10), AS6xx EDD (§11-§12), AS7xx webhooks (§13),
AS8xx tests: cassettes, mocks, fixtures (test data migrating with the code), AS9xx the translator's own checks.
"""

from . import (
    couriers,
    edd,
    endpoints,
    envelopes,
    general,
    legacy_apiv4,
    legacy_errors,
    legacy_sdks,
    test_mocks,
    testdata,
    tracking_fields,
    webhooks,
)

RULES = (
    *general.RULES,
    *legacy_sdks.RULES,
    *legacy_apiv4.RULES,
    *legacy_errors.RULES,
    *endpoints.RULES,
    *tracking_fields.RULES,
    *envelopes.RULES,
    *couriers.RULES,
    *edd.RULES,
    *webhooks.RULES,
    *testdata.RULES,
    *test_mocks.RULES,
)
