#!/usr/bin/env python3
"""The Ray driver against a real local Ray cluster, with a worker killed mid-run.

Starts `ray start --head` on 127.0.0.1, writes 6 tiny random-weight jobs, runs
driver.py with 3 shards, and kills (SIGKILL) shard 1's `impasto batch` process once its
first job is written. Checks that the retried shard completes every job, that every
output is a complete PNG, that no temporary file is left, and that shard 1 ran twice.
Stops the cluster at the end. CI runs it (.ci/run) with the debug build:

    python examples/ray/test_ray.py --impasto target/debug/impasto
"""

import argparse
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ASSETS = os.path.join(HERE, "..", "..", "assets")
SHARDS, JOBS, KILLED = 3, 6, 1
PORT = "6399"


def png_is_complete(path):
    """Whether `path` is a whole PNG: signature, every chunk's CRC, image data that
    decompresses to the end, and IEND last (a truncated file fails one of these)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return False
    position, compressed, ended = 8, b"", False
    while position + 12 <= len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        kind = data[position + 4:position + 8]
        body = data[position + 8:position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length:position + 12 + length])
        if len(body) != length or zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            return False
        if kind == b"IDAT":
            compressed += body
        position += 12 + length
        if kind == b"IEND":
            ended = True
            break
    if not ended or position != len(data):
        return False
    decompressor = zlib.decompressobj()
    decompressor.decompress(compressed)
    return decompressor.eof


def shard_process(impasto, out_dir, shard):
    """The pid of the `impasto batch` running shard `shard` for this test, if any."""
    wanted = [os.path.basename(impasto), "batch"]
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = [a.decode() for a in f.read().split(b"\0") if a]
        except OSError:
            continue
        if (len(argv) > 2 and os.path.basename(argv[0]) == wanted[0] and argv[1] == wanted[1]
                and out_dir in argv and f"{shard}/{SHARDS}" in argv):
            return int(pid)
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--impasto", required=True, help="the impasto binary to test")
    args = parser.parse_args()
    impasto = os.path.abspath(args.impasto)
    ray_bin = os.path.join(os.path.dirname(sys.executable), "ray")
    work = tempfile.mkdtemp(prefix="impasto-ray-")
    out_dir = os.path.join(work, "out")
    jobs = os.path.join(work, "jobs.jsonl")
    with open(jobs, "w") as f:
        for i in range(JOBS):
            f.write(f'{{"content": "{ASSETS}/content.png", "style": ["{ASSETS}/style.png"], '
                    f'"output": "o{i}.png", "size": 32, "iterations": 3, "seed": {i}, '
                    f'"weights": "random", "backend": "flex"}}\n')

    subprocess.run([ray_bin, "start", "--head", "--node-ip-address", "127.0.0.1",
                    "--port", PORT, "--num-cpus", "2", "--include-dashboard=false",
                    "--disable-usage-stats"], check=True, stdout=subprocess.DEVNULL)
    try:
        driver = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "driver.py"), jobs, "--out-dir", out_dir,
             "--shards", str(SHARDS), "--impasto", impasto, "--address", f"127.0.0.1:{PORT}",
             "--retries", "2"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        # Shard 1 holds jobs 1 and 4: kill it once job 1 is written, before job 4 is.
        first = os.path.join(out_dir, f"o{KILLED}.png")
        deadline = time.time() + 600
        while not os.path.exists(first):
            assert time.time() < deadline, "shard 1's first job never finished"
            assert driver.poll() is None, "the driver ended first:\n" + driver.stdout.read()
            time.sleep(0.02)
        pid = shard_process(impasto, out_dir, KILLED)
        assert pid is not None, "shard 1's process was not found running"
        os.kill(pid, signal.SIGKILL)
        print(f"killed shard {KILLED}/{SHARDS} (pid {pid}) after its first job")
        output, _ = driver.communicate(timeout=900)
        print(output, end="")
        assert driver.returncode == 0, f"the driver exited with {driver.returncode}"

        names = sorted(os.listdir(out_dir))
        images = [n for n in names if n.endswith(".png") and not n.startswith(".")]
        assert images == [f"o{i}.png" for i in range(JOBS)], names
        for name in images:
            assert png_is_complete(os.path.join(out_dir, name)), f"{name} is not a whole PNG"
        leftovers = [n for n in names if n.endswith(".partial")]
        assert not leftovers, f"temporary files left: {leftovers}"
        with open(os.path.join(out_dir, ".summaries", "attempts.log")) as f:
            attempts = [line for line in f if line.startswith(f"shard {KILLED}/{SHARDS} ")]
        assert len(attempts) >= 2, f"shard {KILLED} was not retried: {attempts}"
        assert f"total: {JOBS - 1} done, 1 skipped, 0 failed of {JOBS} jobs" in output, \
            "the retry should skip the job written before the kill and run the rest"
        print(f"ok: {JOBS} jobs complete after a killed shard was retried "
              f"({len(attempts)} attempts), every PNG whole, no temporary file")
    finally:
        subprocess.run([ray_bin, "stop", "--force"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
