"""Unit tests of the clock engine (no Frappe). Hypothesis profiles for every property test here: "ci"
(the default, 150 examples a property) and "thorough" (3 000), chosen by TS_SLA_HYPOTHESIS_PROFILE."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
	"thorough", max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.load_profile(os.environ.get("TS_SLA_HYPOTHESIS_PROFILE", "ci"))
