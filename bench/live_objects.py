"""What a running daemon's Python holds, counted inside it (a bench tool, not for sites).

    gdb -p PID -batch -ex 'call (int)PyGILState_Ensure()' \
        -ex 'call (int)PyRun_SimpleString("exec(open(\"bench/live_objects.py\").read())")' \
        -ex 'call (void)PyGILState_Release($1)'

gdb stops the daemon for a moment and runs this file in it: the most common object types, the
futures by state and what refers to them, appended to /tmp/pager-live-objects.txt. It found the
speech jobs that piled up under a long rush (issue 24); tracemalloc only pointed near them.
Its own lists stay in the daemon's heap for a while (a few MB).
"""

import collections
import gc
from concurrent.futures import Future

gc.collect()
_futures = [o for o in gc.get_objects() if isinstance(o, Future)]
_holders: collections.Counter[str] = collections.Counter()
for _future in _futures[:200]:
    for _referrer in gc.get_referrers(_future):
        if _referrer is not _futures:
            _holders[type(_referrer).__name__] += 1
_types = collections.Counter(type(o).__name__ for o in gc.get_objects())
with open("/tmp/pager-live-objects.txt", "a") as _out:
    _out.write(f"futures {len(_futures)}: {collections.Counter(f._state for f in _futures)}\n")
    _out.write(f"held by {_holders.most_common(10)}\n")
    _out.write(f"types {_types.most_common(25)}\n")
del _futures, _holders, _types
