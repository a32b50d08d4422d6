"""Property-based fuzzing with hypothesis (no crash, no hang, no unhandled
exception) of the engines that read user input.

Profiles, chosen by ``HYPOTHESIS_PROFILE``:

* ``ci`` (default): few examples per test, so the whole package runs in
  well under two minutes on a small machine (the unit test run);
* ``fuzz``: many examples (``tox -e fuzz``);
* ``dev``: a handful, for a quick look.

``deadline=None``: a slow example on a loaded machine is not a failure
(a hang still is: the stestr/tox timeout catches it); the example database
is off so a run does not depend on an earlier one.
"""

import os

from hypothesis import HealthCheck
from hypothesis import settings

_COMMON = dict(deadline=None, database=None, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow,
                                      HealthCheck.data_too_large,
                                      HealthCheck.filter_too_much])
settings.register_profile('ci', max_examples=60, **_COMMON)
settings.register_profile('fuzz', max_examples=5000, **_COMMON)
settings.register_profile('dev', max_examples=10, **_COMMON)
settings.load_profile(os.environ.get('HYPOTHESIS_PROFILE', 'ci'))
