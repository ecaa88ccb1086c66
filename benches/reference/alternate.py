"""impasto's evaluation and PyTorch's, alternated in pairs on one machine: the ratio of
their medians for each pair, and the median of those ratios.

On a small shared VM one sitting's ratio moves with the machine more than with the code
(docs/benchmarks.md has sittings of the same code far apart at 224 px with 2 threads);
pairs run one right after the other see the same machine, so their ratios are what to
compare.

    cargo bench --bench evaluation --no-default-features --features flex --no-run
    python3 benches/reference/alternate.py                      # 8 pairs, 224 px, 2 threads
    python3 benches/reference/alternate.py --size 512 --pairs 4 --samples 5 --threads 1

Each pair runs the bench's child (`IMPASTO_BENCH_CHILD=flex:SIZE`, the newest
`target/release/deps/evaluation-*` unless `--impasto` names one), then `torch_eval.py`
in this interpreter, each with SAMPLES timed evaluations and RAYON_NUM_THREADS /
--threads set to THREADS. Prints a markdown table (ms, the median of each run) and the
median ratio; the exit status is 0 unless a run fails.
"""
import argparse
import glob
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def newest_bench():
    candidates = [
        p
        for p in glob.glob(str(ROOT / "target" / "release" / "deps" / "evaluation-*"))
        if os.access(p, os.X_OK) and not p.endswith(".d")
    ]
    if not candidates:
        sys.exit(
            "alternate.py: no target/release/deps/evaluation-* binary; build it with "
            "`cargo bench --bench evaluation --no-default-features --features flex --no-run`"
        )
    return max(candidates, key=os.path.getmtime)


def median_of_row(output, what):
    """The median (ms) from the last markdown row of a run's output:
    `| backend | size | first | median [min, max] | samples | memory |`."""
    rows = [line for line in output.splitlines() if line.startswith("|") and " px |" in line]
    if not rows:
        sys.exit(f"alternate.py: {what} printed no result row:\n{output}")
    return float(rows[-1].split("|")[4].split("[")[0])


def run(command, env, what):
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"alternate.py: {what} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return median_of_row(done.stdout, what)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--pairs", type=int, default=8)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--impasto", help="the evaluation bench binary (default: the newest)")
    args = parser.parse_args()
    if min(args.size, args.pairs, args.samples, args.threads) < 1:
        sys.exit("alternate.py: --size, --pairs, --samples and --threads must be at least 1")
    bench = args.impasto or newest_bench()

    env = dict(os.environ)
    env.update(
        IMPASTO_BENCH_CHILD=f"flex:{args.size}",
        IMPASTO_BENCH_SAMPLES=str(args.samples),
        RAYON_NUM_THREADS=str(args.threads),
    )
    torch = [
        sys.executable,
        str(HERE / "torch_eval.py"),
        "--sizes", str(args.size),
        "--threads", str(args.threads),
        "--samples", str(args.samples),
    ]
    pairs = []
    for _ in range(args.pairs):
        ours = run([bench], env, "the impasto bench")
        theirs = run(torch, dict(os.environ), "torch_eval.py")
        pairs.append((ours, theirs))
        print(f"pair {len(pairs)}: impasto {ours:.1f} ms, PyTorch {theirs:.1f} ms", file=sys.stderr)

    ratios = [ours / theirs for ours, theirs in pairs]
    print(f"{args.size} px, {args.threads} thread(s), {args.samples} samples a run; {bench}")
    print()
    print("| pair | " + " | ".join(str(i + 1) for i in range(len(pairs))) + " |")
    print("|---|" + "---|" * len(pairs))
    print("| impasto | " + " | ".join(f"{o:.1f}" for o, _ in pairs) + " |")
    print("| PyTorch | " + " | ".join(f"{t:.1f}" for _, t in pairs) + " |")
    print("| ratio | " + " | ".join(f"{r:.2f}" for r in ratios) + " |")
    print()
    # 0.5x: the speed target of docs/benchmarks.md.
    below = sum(r <= 0.5 for r in ratios)
    print(f"median ratio {statistics.median(ratios):.2f}x; {below} of {len(ratios)} pairs <= 0.5x (the target)")


if __name__ == "__main__":
    main()
