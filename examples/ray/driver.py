#!/usr/bin/env python3
"""Run an impasto jobs file on a Ray cluster: one Ray task per shard, each running
`impasto batch JOBS --out-dir DIR --shard K/N --summary ...`; a shard that fails (its
process killed, its machine lost) is retried, and a retry redoes only the jobs whose
output is missing, because `impasto batch` skips finished jobs and writes every output
atomically. impasto does the work and the bookkeeping; Ray only hands out shards.

    python driver.py jobs.jsonl --out-dir results --shards 8 --impasto /path/to/impasto

Every node needs the impasto binary at --impasto and the same paths to the jobs file, its
images and --out-dir (a shared file system). Exit status 0 when every job is done or
skipped, 1 otherwise. docs/batch.md has the numbers.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import ray

class ShardFailed(Exception):
    """A shard's process ended without finishing its jobs; Ray retries the task.

    Raised when the process was stopped by a signal (killed, out of memory) or by Ctrl-C
    (130), or left no summary. A shard that ran and reported failed jobs (exit 1: a bad
    line, a missing image) is not retried: it would fail the same way again.
    """


@ray.remote
def run_shard(impasto, jobs, out_dir, summaries, shard, count, threads):
    """Runs shard `shard` of `count`; returns its summary (the JSON impasto wrote)."""
    summary = os.path.join(summaries, f"shard-{shard}-of-{count}.json")
    # Each attempt leaves a line, so that a test (or a person) can see the retries.
    with open(os.path.join(summaries, "attempts.log"), "a") as log:
        log.write(f"shard {shard}/{count} pid {os.getpid()} {time.time():.3f}\n")
    if os.path.exists(summary):
        os.remove(summary)  # a previous attempt's: only this attempt's counts
    env = dict(os.environ)
    # impasto's CPU kernels use a rayon pool as large as the machine; a task gets the
    # CPUs Ray gave it.
    env["RAYON_NUM_THREADS"] = str(threads)
    command = [
        impasto, "batch", jobs, "--out-dir", out_dir,
        "--shard", f"{shard}/{count}", "--summary", summary, "--quiet",
    ]
    process = subprocess.run(command, env=env, capture_output=True, text=True)
    tail = process.stderr.strip().splitlines()[-5:]
    if process.returncode < 0 or process.returncode == 130 or not os.path.exists(summary):
        raise ShardFailed(
            f"shard {shard}/{count}: impasto exited with {process.returncode}: "
            + " | ".join(tail)
        )
    with open(summary) as f:
        result = json.load(f)
    result["exit_status"] = process.returncode
    result["stderr_tail"] = tail
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("jobs", help="the jobs file (JSON Lines), on a shared file system")
    parser.add_argument("--out-dir", required=True, help="where the outputs go (shared)")
    parser.add_argument("--shards", type=int, default=None,
                        help="how many shards (default: the cluster's CPUs / --cpus-per-task)")
    parser.add_argument("--impasto", default="impasto", help="the impasto binary on every node")
    parser.add_argument("--address", default=None,
                        help="the Ray cluster (default: RAY_ADDRESS, else a running local one)")
    parser.add_argument("--cpus-per-task", type=int, default=1,
                        help="CPUs Ray reserves for each shard, and its impasto threads")
    parser.add_argument("--retries", type=int, default=3,
                        help="how many times a failed shard is run again")
    parser.add_argument("--summaries", default=None,
                        help="where the shards' summaries go (default: OUT_DIR/.summaries)")
    args = parser.parse_args()

    jobs = os.path.abspath(args.jobs)
    out_dir = os.path.abspath(args.out_dir)
    summaries = os.path.abspath(args.summaries or os.path.join(out_dir, ".summaries"))
    os.makedirs(summaries, exist_ok=True)
    impasto = os.path.abspath(args.impasto) if os.sep in args.impasto else args.impasto

    ray.init(address=args.address or os.environ.get("RAY_ADDRESS") or "auto",
             logging_level="ERROR", log_to_driver=False)
    count = args.shards or max(1, int(ray.cluster_resources().get("CPU", 1)) // args.cpus_per_task)
    task = run_shard.options(num_cpus=args.cpus_per_task, max_retries=args.retries,
                             retry_exceptions=[ShardFailed])
    started = time.time()
    pending = {
        task.remote(impasto, jobs, out_dir, summaries, k, count, args.cpus_per_task): k
        for k in range(count)
    }
    results, lost = {}, {}
    while pending:
        ready, _ = ray.wait(list(pending), num_returns=1)
        shard = pending.pop(ready[0])
        try:
            results[shard] = ray.get(ready[0])
        except Exception as error:  # retries exhausted: Ray's error wraps the last one
            lost[shard] = str(error).strip().splitlines()[-1]
    elapsed = time.time() - started

    totals = {"done": 0, "skipped": 0, "failed": 0, "stopped": 0, "not_run": 0}
    total_jobs = None
    for shard in sorted(results):
        summary = results[shard]
        total_jobs = summary["total_jobs"]
        for key in totals:
            totals[key] += summary[key]
        print(f"shard {shard}/{count}: {summary['done']} done, {summary['skipped']} skipped, "
              f"{summary['failed']} failed")
        for job in summary["jobs"]:
            if job["status"] == "failed":
                print(f"  line {job['line']}: {job['reason']}")
    for shard, why in sorted(lost.items()):
        print(f"shard {shard}/{count}: lost after {args.retries} retries: {why}")
    rate = 60.0 * totals["done"] / elapsed if elapsed > 0 else 0.0
    print(f"total: {totals['done']} done, {totals['skipped']} skipped, {totals['failed']} failed"
          f" of {total_jobs if total_jobs is not None else '?'} jobs in {count} shards"
          f"{f', {len(lost)} shards lost' if lost else ''}; {elapsed:.1f} s, "
          f"{rate:.1f} jobs/min")
    with open(os.path.join(summaries, "totals.json"), "w") as f:
        json.dump({"shards": count, "lost_shards": sorted(lost), "seconds": elapsed,
                   "total_jobs": total_jobs, **totals}, f, indent=2)
    complete = not lost and totals["failed"] == 0 and totals["stopped"] == 0 \
        and totals["not_run"] == 0 and total_jobs == totals["done"] + totals["skipped"]
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
