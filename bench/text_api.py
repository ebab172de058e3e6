"""The BENCHMARKS.md section on the HTTP API (from `bench.report`'s figures)."""

from __future__ import annotations

from typing import Any

from bench.text_combined import verdict

HEADER = (
    "| API load | calls answered a second | status requests a second | "
    "first sample p50 (ms) | p95 (ms) | max (ms) |\n|---|---|---|---|---|---|"
)
ONE_BLOCK_MS = 512 / 48000 * 1000  # what "unchanged" can mean: within one audio block


def _moved(paced: list[dict[str, Any]], worst: float) -> str:
    most = max((lv["asked_calls_per_s"] for lv in paced), default=0)
    return (
        f"at up to {most:g} API calls a second the first sample's median moved "
        f"{worst:+.1f} ms (one audio block is {ONE_BLOCK_MS:.1f} ms, the resolution of a "
        "start)."
    )


def api_section(figures: dict[str, Any] | None) -> str:
    if not figures:
        return ""
    date = f" (measured {figures['date']})" if figures.get("date") else ""
    quiet = figures["first_sample_quiet_ms"]
    rows = [f"| none | - | - | {quiet['p50']:.1f} | {quiet['p95']:.1f} | {quiet['max']:.1f} |"]
    for level in figures["levels"]:
        asked = level["asked_calls_per_s"]
        first = level["first_sample_ms"]
        rows.append(
            f"| {f'{asked:g} calls/s' if asked else 'as fast as answered'} | "
            f"{level['calls_per_s']:.0f} | {level['status_per_s']:.0f} | {first['p50']:.1f} | "
            f"{first['p95']:.1f} | {first['max']:.1f} |"
        )
    paced = [lv for lv in figures["levels"] if lv["asked_calls_per_s"]]
    worst = max(lv["first_sample_ms"]["p50"] for lv in paced) - quiet["p50"] if paced else 0.0
    top = max(lv["calls_per_s"] for lv in figures["levels"])
    return f"""
## The HTTP API: requests while calls play{date}

`bench/api.py`: the real daemon on the paced virtual card with the API on; {figures["clients"]}
clients, each with its counter's token, POST calls (each journaled and played, to the trade
centre) and GET the status, paced or as fast as the answers come; meanwhile counter 3's calls
over MQTT (one at a time, to the hall) are timed from publish to their chime's first sample at
the card ({quiet["n"]} calls at each level).

{HEADER}
{chr(10).join(rows)}

Target: the first sample unchanged while the API is used at a hall's pace (a call a second is
more than a rush: 900 a day).
{verdict(worst <= ONE_BLOCK_MS, _moved(paced, worst))}
The API answers up to {top:.0f} journaled calls a second; at that rate the control thread is
busy enough to delay other calls' first sample by a block or two.
"""


def counters_section(figures: dict[str, Any] | None) -> str:
    """`pager counter add/remove` and the caller page's next-ticket requests."""
    if not figures:
        return ""
    date = f" (measured {figures['date']})" if figures.get("date") else ""
    add, remove = figures["commands"]["add"], figures["commands"]["remove"]
    nxt = figures["next"]
    answer = nxt["answer_ms"]
    exact = nxt["tickets_exact"] and nxt["duplicates"] == 0
    return f"""
## A counter in one command, and the caller page's numbers{date}

`bench/counters.py`. `pager counter add` and `pager counter remove` on the example config, each
a new process as a technician runs it (the config edited in place and validated, the broker's
login by `mosquitto_passwd` and the ACL, the API token's PBKDF2 hash), {add["n"]} times each:

| command | p50 (ms) | max (ms) |
|---|---|---|
| `pager counter add` | {add["p50"]:.0f} | {add["max"]:.0f} |
| `pager counter remove` | {remove["p50"]:.0f} | {remove["max"]:.0f} |

*Panggil berikutnya* (`POST /api/v1/calls/next`) from {nxt["clients"]} clients at once, two
counters of one service, as fast as the answers come, on the real daemon (real broker and
speech, the null output): {nxt["calls"]} calls, {nxt["accepted"]} accepted, {nxt["per_s"]:.0f}
answered a second, the answer in {answer["p50"]:.1f} ms (p50) / {answer["p95"]:.1f} ms (p95) /
{answer["max"]:.1f} ms (max).

Target: two counters of a service never call the same number, whatever the timing.
{
        verdict(
            exact,
            f"the {nxt['calls']} tickets were A001 to A{nxt['calls']:03d}, each once "
            f"({nxt['duplicates']} duplicates).",
        )
    }
"""
