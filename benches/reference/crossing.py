#!/usr/bin/env python3
"""When a multi-scale run reaches a single-scale run's final loss (docs/benchmarks.md,
"Multi-scale runs"): reads two `impasto transfer --report` files and prints, for the
multi-scale one, the first record of its last stage at or below the single-scale run's
last loss, its time from the start of the run, and that time over the single-scale run's.

    python3 benches/reference/crossing.py single.json schedule.json [more.json ...]

Times are counted from the run's start for both: the multi-scale run's record time plus
what came before its optimisation (the report's duration minus its last record's time),
against the single-scale run's whole duration.
"""
import json
import sys


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        single = json.load(f)
    target = single["records"][-1]["loss"]
    whole = single["duration_ms"] / 1e3
    print(f"single scale: loss {target:.4g} in {whole:.1f} s")
    for path in sys.argv[2:]:
        with open(path) as f:
            run = json.load(f)
        records = run["records"]
        last_stage = [r for r in records if r["stage"] == records[-1]["stage"]]
        before = (run["duration_ms"] - records[-1]["elapsed_ms"]) / 1e3
        crossing = next((r for r in last_stage if r["loss"] <= target), None)
        ending = f"ends at {records[-1]['loss']:.4g} in {run['duration_ms'] / 1e3:.1f} s"
        if crossing is None:
            print(f"{path}: never reaches it; {ending}")
            continue
        seconds = crossing["elapsed_ms"] / 1e3 + before
        k = crossing["iteration"] - last_stage[0]["iteration"]
        print(
            f"{path}: reaches it at final-stage iteration {k}, {seconds:.1f} s: "
            f"{seconds / whole:.3f} of the single-scale time; {ending}"
        )


if __name__ == "__main__":
    main()
