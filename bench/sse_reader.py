"""A browser's stand-in for the benchmarks: reads the status page's event stream in a
process of its own and prints, when it is stopped (SIGTERM), how many events it got and
how late each was (its `ts` to its arrival, ms), as JSON.

    python -m bench.sse_reader URL [--stalled]
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
import urllib.request
from types import FrameType


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--stalled", action="store_true", help="connect, then never read")
    args = parser.parse_args()
    latencies: list[float] = []
    stop = threading.Event()

    def report(signum: int = 0, frame: FrameType | None = None) -> None:
        print(json.dumps({"events": len(latencies), "latency_ms": latencies}), flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, report)
    try:
        with urllib.request.urlopen(args.url, timeout=600) as response:
            print("connected", flush=True)
            if args.stalled:
                stop.wait()
            for line in response:
                if not line.startswith(b"data: "):
                    continue
                body = json.loads(line[6:])
                if isinstance(body, dict) and "event" in body and "ts" in body:
                    latencies.append(round(1000 * (time.time() - body["ts"]), 2))
    except OSError:  # the server went away
        pass
    report()  # the stream ended (the daemon stopped)


if __name__ == "__main__":
    main()
