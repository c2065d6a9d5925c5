#!/usr/bin/env python3
"""Runs the shards of a many-series run on a Dask distributed cluster, then merges them.

Each shard is an ordinary `xtask run --shard i/n` (the forecaster's own binary, no Python in the
numerical path) executed by a Dask worker process; the driver pins shard i to worker i mod W so
every worker takes part, waits for all of them, and runs `xtask merge --shards n` on the same
project. On a real cluster the same code runs with `Client("<scheduler address>")` instead of a
`LocalCluster`, every worker seeing the project folder (a shared or object-store mount).

Usage:
    python dask_shards.py --xtask BIN --root ROOT --shards N [--workers W] [--scheduler ADDR] -- ARGS…

ARGS are passed to every `run` and to `merge` (the `--set` options of the run). Prints one JSON
line: shards, the worker that ran each, their seconds, and the merge's exit code. Exits non-zero
when a shard or the merge fails.
"""
import argparse
import json
import subprocess
import sys
import time


def run_shard(xtask, root, index, count, args):
    """One shard, as a subprocess of the worker."""
    from distributed import get_worker

    t0 = time.time()
    cmd = [xtask, "--root", root, "run", "--shard", f"{index}/{count}", "-q", *args]
    p = subprocess.run(cmd, capture_output=True, text=True)
    return {
        "shard": index,
        "worker": get_worker().address,
        "returncode": p.returncode,
        "seconds": round(time.time() - t0, 2),
        "stderr_tail": p.stderr[-2000:],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--xtask", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--shards", type=int, required=True)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--scheduler", default=None, help="an existing scheduler (default: a LocalCluster)")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    extra = [x for x in a.args if x != "--"]

    from distributed import Client, LocalCluster

    cluster = None
    if a.scheduler:
        client = Client(a.scheduler)
    else:
        cluster = LocalCluster(
            n_workers=a.workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    try:
        client.wait_for_workers(a.workers)
        workers = sorted(client.scheduler_info()["workers"])
        futures = [
            client.submit(
                run_shard, a.xtask, a.root, i, a.shards, extra,
                workers=[workers[i % len(workers)]], pure=False,
            )
            for i in range(a.shards)
        ]
        results = client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    failed = [r for r in results if r["returncode"] != 0]
    merge = None
    if not failed:
        m = subprocess.run(
            [a.xtask, "--root", a.root, "merge", "--shards", str(a.shards), "-q", *extra],
            capture_output=True, text=True,
        )
        merge = m.returncode
        if merge != 0:
            sys.stderr.write(m.stderr[-4000:])
    summary = {
        "shards": a.shards,
        "workers": workers,
        "results": [{k: r[k] for k in ("shard", "worker", "returncode", "seconds")} for r in results],
        "merge_returncode": merge,
    }
    print(json.dumps(summary))
    for r in failed:
        sys.stderr.write(f"shard {r['shard']} failed:\n{r['stderr_tail']}\n")
    return 0 if not failed and merge == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
