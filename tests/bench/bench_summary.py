"""What the summaries of run_bench.sh and tls_bench.sh share: their Python
parts import it (bench_lib.sh puts this folder in LW_BENCH_DIR).

runs are the lines of a .runs.jsonl file: {"scenario", "peer", "run", "result"}.
"""
import json
import statistics


def load_runs(path):
    return [json.loads(line) for line in open(path) if line.strip()]


def values(runs, scen, peer, key):
    """The figures `key` of the completed runs of `peer` in `scen`."""
    vals = [r["result"].get(key) for r in runs
            if r["scenario"] == scen and r["peer"] == peer and r["result"].get("ok")]
    return [v for v in vals if isinstance(v, (int, float))]


def median(runs, scen, peer, key):
    vals = values(runs, scen, peer, key)
    return statistics.median(vals) if vals else None


def spread(runs, scen, peer, key):
    vals = values(runs, scen, peer, key)
    return (min(vals), max(vals)) if vals else None


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def print_targets(title, targets):
    """Each target ({"target", "met"}) as MET, MISSED or n/a, under `title`."""
    print()
    print(title)
    for t in targets:
        m = t["met"]
        print(f"  {'MET   ' if m else ('n/a   ' if m is None else 'MISSED')} {t['target']}")


def print_failed(runs):
    """The runs that did not complete, with their errors."""
    failed = [r for r in runs if not r["result"].get("ok")]
    if failed:
        print()
        print(f"FAILED RUNS ({len(failed)}):")
        for r in failed:
            print(f"  {r['scenario']} {r['peer']} run {r['run']}: {r['result'].get('error', '?')}")


def write_result(path, runs_path, result, targets):
    """The whole result as JSON at `path`; whether a target was missed (1/0)
    beside the runs, for the script's exit status."""
    with open(path, "w") as f:
        json.dump(result, f, indent=2)
    print(f"\nresults: {path}   (every run: {runs_path})")
    open(runs_path + ".missed", "w").write("1" if any(t["met"] is False for t in targets) else "0")
