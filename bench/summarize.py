"""Summarise alternating benchmark rounds (JSON lines from run.py) as a Markdown table: per
workload the median (over rounds) wall time of each library, the median over rounds of the per-round
ratio A/B (each round runs A and B back to back, so slow phases of a shared machine hit
both), and the same ratio for CPU time (``time.process_time``).

    python bench/summarize.py RESULTS.jsonl A B "command" [note]
"""

import collections
import datetime
import json
import os
import platform
import statistics
import sys


def _machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = ""
    if hasattr(os, "getloadavg"):
        load = f", load average {os.getloadavg()[0]:.1f}"
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()}{load}"


def main(path, a, b, command, note=""):
    # vals[(lib, key)][round] -> list of values
    vals = collections.defaultdict(lambda: collections.defaultdict(list))
    stat = "median"
    devices = set()
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            r = json.loads(line)
            rnd = r.get("round", 0)
            for k, v in r.items():
                if k == "stat":
                    stat = v
                if k == "device":
                    devices.add(v)
                if k in ("lib", "workload", "threads", "round", "stat", "device"):
                    continue
                cpu = k.startswith("cpu_")
                base = k[4:] if cpu else k
                key = r["workload"] if base == "seconds" else f"{r['workload']}.{base}"
                vals[(r["lib"], key, cpu)][rnd].append(v)
    keys = sorted({k for _, k, _ in vals})
    print(f"\n### {datetime.date.today()} — {a} vs {b}\n")
    dev = f" Device: {', '.join(sorted(devices))}." if devices - {"cpu"} else ""
    print(f"Machine: {_machine()}; Python {platform.python_version()}.{dev} "
          f"Command: `{command}`. Per process: the {stat} of the repeats; ratios: the median "
          f"over rounds of each round's {a}/{b}.{(' ' + note) if note else ''}\n")
    print(f"| workload | {a} | {b} | {a}/{b} wall | {a}/{b} CPU |")
    print("|---|---|---|---|---|")
    for k in keys:
        wa, wb = vals.get((a, k, False)), vals.get((b, k, False))
        if not wa or not wb:
            continue
        ma = statistics.median(v for vs in wa.values() for v in vs)
        mb = statistics.median(v for vs in wb.values() for v in vs)
        unit = "µs" if k.endswith("_us") else "ms"
        scale = 1 if unit == "µs" else 1e3
        cells = []
        for cpu in (False, True):
            ra, rb = vals.get((a, k, cpu)), vals.get((b, k, cpu))
            if not ra or not rb:
                cells.append("—")
                continue
            rounds = sorted(set(ra) & set(rb))
            ratios = [statistics.median(ra[i]) / statistics.median(rb[i]) for i in rounds
                      if statistics.median(rb[i]) > 0]
            cells.append(f"{statistics.median(ratios):.2f}" if ratios else "—")
        print(f"| {k} | {ma * scale:.3f} {unit} | {mb * scale:.3f} {unit} | {cells[0]} | "
              f"{cells[1]} |")


if __name__ == "__main__":
    main(*sys.argv[1:6])
