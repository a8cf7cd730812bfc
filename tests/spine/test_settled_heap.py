"""A served process settles its heap once started: what start-up built is frozen out of the
collector's way, and the youngest generation is collected less often (groupdesk.serving)."""

from __future__ import annotations

import json
import subprocess
import sys

from groupdesk.serving import YOUNG_COLLECTION_THRESHOLD


def test_a_settled_heap_is_frozen_and_collected_less_often() -> None:
    # In a process of its own: the collector's settings are the whole process's.
    script = ("import gc, json; from groupdesk.serving import settle_heap; before = gc.get_threshold(); "
              "settle_heap(); print(json.dumps([before, gc.get_threshold(), gc.get_freeze_count()]))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    before, after, frozen = json.loads(done.stdout)
    assert after == [YOUNG_COLLECTION_THRESHOLD, *before[1:]]
    assert after[0] > before[0]
    assert frozen > 10_000  # the modules and everything else imported
