"""Summarise alternating benchmark rounds (JSON lines from run.py) as a Markdown table of
median values per library and the A/B ratio."""

import collections
import datetime
import json
import platform
import statistics
import sys


def main(path, a, b, command):
    vals = collections.defaultdict(list)
    for line in open(path):
        line = line.strip()
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        for k, v in r.items():
            if k in ("lib", "workload", "threads"):
                continue
            key = r["workload"] if k == "seconds" else f"{r['workload']}.{k}"
            vals[(r["lib"], key)].append(v)
    keys = sorted({k for _, k in vals})
    cpu = platform.processor() or platform.machine()
    print(f"\n### {datetime.date.today()} — {a} vs {b}\n")
    print(f"Machine: {platform.node()} ({cpu}, {platform.system()}), Python "
          f"{platform.python_version()}. Command: `{command}`\n")
    print(f"| workload | {a} | {b} | {a}/{b} |")
    print("|---|---|---|---|")
    for k in keys:
        va, vb = vals.get((a, k)), vals.get((b, k))
        if not va or not vb:
            continue
        ma, mb = statistics.median(va), statistics.median(vb)
        unit = "µs" if k.endswith("_us") else "ms"
        scale = 1 if unit == "µs" else 1e3
        print(f"| {k} | {ma * scale:.3f} {unit} | {mb * scale:.3f} {unit} | {ma / mb:.2f} |")


if __name__ == "__main__":
    main(*sys.argv[1:5])
