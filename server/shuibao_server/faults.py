"""Fault points for tests: the server killed (SIGKILL) at a named point of its work.

Only with ``SHUIBAO_FAULT=<point>[:<n>]`` in the environment: the process kills itself the n-th
time (default 1) it reaches ``point``, after appending ``KILL <point> #<n>`` to the file named by
``SHUIBAO_FAULT_LOG`` (so a test can check where it died). Without the variable a point costs one
comparison. The points are listed in ``POINTS``; tests restart the server on the same data.
"""

from __future__ import annotations

import os
import signal

POINTS = (
    "push.received",  # a push request parsed, nothing read or written
    "push.checked",  # in the push transaction: the device row locked, the mutation ids checked
    "push.applied",  # every change applied, the mutation results not yet stored
    "push.recorded",  # results and the device's last id written, not committed
    "push.committed",  # committed, the answer not yet sent
    "blob.written",  # the last bytes of a chunked upload fsynced, the blob not yet checked and kept
)

_SPEC = os.environ.get("SHUIBAO_FAULT", "")
_seen: dict[str, int] = {}


def point(name: str) -> None:
    """Die here when the environment asks for it (see the module docstring)."""
    if not _SPEC:
        return
    wanted, _, nth = _SPEC.partition(":")
    if wanted != name:
        return
    _seen[name] = _seen.get(name, 0) + 1
    if _seen[name] != int(nth or 1):
        return
    log = os.environ.get("SHUIBAO_FAULT_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"KILL {name} #{_seen[name]}\n")
            f.flush()
            os.fsync(f.fileno())
    os.kill(os.getpid(), signal.SIGKILL)
