"""How long the fuzz suite runs, chosen by ``SPENDKIT_FUZZ``:

* ``ci`` (the default; `make test`): each test's own small number of examples, about a minute
  in all, derandomised (a fixed seed) so that CI sees the same examples on every run and never
  flakes; a failure is reported as found, not shrunk (shrinking one can take five minutes);
* ``fuzz`` (`make fuzz`): ten times as many, about ten minutes, a new random draw on each run;
  a failure is shrunk to its smallest form and printed with the blob that reproduces it
  (``@reproduce_failure``).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

SCALE = {"ci": 1, "fuzz": 10}


def budget(ci_examples: int) -> settings:
    """The settings of one fuzz test that tries ``ci_examples`` examples in CI."""
    name = os.environ.get("SPENDKIT_FUZZ", "ci")
    if name not in SCALE:
        raise ValueError(f"SPENDKIT_FUZZ={name!r}: use one of {', '.join(SCALE)}")
    ci = name == "ci"
    return settings(max_examples=ci_examples * SCALE[name], derandomize=ci,
                    phases=[p for p in Phase if not (ci and p == Phase.shrink)],
                    deadline=None, database=None, print_blob=True,
                    suppress_health_check=list(HealthCheck))
