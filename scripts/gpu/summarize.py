#!/usr/bin/env python3
"""Tables the GPU timings of scripts/gpu/check.sh (bench.jsonl): per model, batch and precision,
the median over repetitions of Fovea's median latency and of PyTorch's, and their ratio
(below 1: Fovea is faster). Fovea's latency is host input to host output, so it is compared with
PyTorch's host_ms; PyTorch's device_ms (input already on the GPU) is shown beside it.

usage: summarize.py bench.jsonl
"""
import json
import statistics
import sys
from collections import defaultdict


def main():
    rows = defaultdict(lambda: defaultdict(list))
    for line in open(sys.argv[1]):
        line = line.strip()
        if not line:
            continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError:
            print(f"skipped a line that is not JSON: {line[:80]}", file=sys.stderr)
            continue
        key = (r["name"], r["batch"], r["precision"])
        if r["engine"] == "fovea":
            rows[key]["fovea"].append(r["median_ms"])
            rows[key]["load"].append(r["load_ms"])
        else:
            rows[key]["torch_host"].append(r["host_ms"])
            rows[key]["torch_device"].append(r["device_ms"])

    def med(values):
        return statistics.median(values) if values else None

    def fmt(v, digits=2):
        return "-" if v is None else f"{v:.{digits}f}"

    print("| model | batch | precision | fovea ms | PyTorch ms (host to host) | ratio | "
          "PyTorch ms (on device) | ratio | fovea images/s | fovea load ms | reps |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for (name, batch, precision), v in sorted(rows.items(), key=lambda kv: (kv[0][2], kv[0][1], kv[0][0])):
        fovea, host, device = med(v["fovea"]), med(v["torch_host"]), med(v["torch_device"])
        ratio_host = fovea / host if fovea and host else None
        ratio_device = fovea / device if fovea and device else None
        ips = batch * 1000.0 / fovea if fovea else None
        print(f"| {name} | {batch} | {precision} | {fmt(fovea)} | {fmt(host)} | {fmt(ratio_host)} | "
              f"{fmt(device)} | {fmt(ratio_device)} | {fmt(ips, 0)} | {fmt(med(v['load']), 0)} | "
              f"{len(v['fovea'])}/{len(v['torch_host'])} |")


if __name__ == "__main__":
    main()
