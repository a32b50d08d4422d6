"""The guest cloud-readiness checks, their safe fixes, and the runner.

Layout (one room per concern):

* :mod:`.model` - the result rows (:class:`Check`), the changes made
  (:class:`Change`), :class:`GuestReport`, the statuses;
* :mod:`.registry` - the check records, the runner (:func:`run_checks`)
  and the docs table written from the records (:func:`doc_rst`);
* :mod:`.keyvalue` - the one KEY=VALUE file editor the checks and fixes use;
* :mod:`.bootcfg` - GRUB defaults and kernel command lines;
* one module per group of checks, registered in this order:
  :mod:`.common` (every guest), :mod:`.boot` (Linux boot and console),
  :mod:`.cloudinit`, :mod:`.network`, :mod:`.access` (sshd and logins),
  :mod:`.agents`, :mod:`.windows`, :mod:`.freebsd`.

What the checks look for, and why, is in each record (and so in
doc/source/guest-checks.rst); distro-specific names (packages, files,
services) are in ``data/guest-checks.yaml``.
"""

from osc_imagetools.guest.checks.model import Change  # noqa: F401
from osc_imagetools.guest.checks.model import Check  # noqa: F401
from osc_imagetools.guest.checks.model import COLUMNS  # noqa: F401
from osc_imagetools.guest.checks.model import FAIL  # noqa: F401
from osc_imagetools.guest.checks.model import FIXED  # noqa: F401
from osc_imagetools.guest.checks.model import GuestReport  # noqa: F401
from osc_imagetools.guest.checks.model import NA  # noqa: F401
from osc_imagetools.guest.checks.model import NotFixable  # noqa: F401
from osc_imagetools.guest.checks.model import PASS  # noqa: F401
from osc_imagetools.guest.checks.model import STATUSES  # noqa: F401
from osc_imagetools.guest.checks.model import WARN  # noqa: F401
from osc_imagetools.guest.checks.registry import doc_rst  # noqa: F401
from osc_imagetools.guest.checks.registry import load_data  # noqa: F401
from osc_imagetools.guest.checks.registry import RECORDS  # noqa: F401
from osc_imagetools.guest.checks.registry import run_checks  # noqa: F401

# importing a group module registers its records: the report's order
from osc_imagetools.guest.checks import common  # noqa: F401,E402,I100
from osc_imagetools.guest.checks import boot  # noqa: F401,E402,I100
from osc_imagetools.guest.checks import cloudinit  # noqa: F401,E402,I100
from osc_imagetools.guest.checks import network  # noqa: F401,E402,I100
from osc_imagetools.guest.checks import access  # noqa: F401,E402,I100
from osc_imagetools.guest.checks import agents  # noqa: F401,E402,I100
from osc_imagetools.guest.checks import windows  # noqa: F401,E402,I100
from osc_imagetools.guest.checks import freebsd  # noqa: F401,E402,I100
