#!/usr/bin/python3
"""Fovea beside ONNX Runtime, side by side on the same machine in one run.

For each model and batch: generates the model with ../shared/tools/make_models.py (cached),
then runs `fovea bench --json` and `node ../shared/tools/ort_run.js` alternately, --reps times
each, and takes the median of each number over the repetitions. Peak RSS of both engines is
measured the same way, from the kernel's accounting of each child process (wait4 ru_maxrss).
Optionally checks that both engines agree on one shared input (batch 1).

Prints one table and writes it as markdown. See docs/benchmarks.md.
With --free-batch the models' batch dimension is made free (dim_param "N", as PyTorch exports
with dynamic_axes): both engines then run each batch size on the same model.

usage: scripts/bench_compare.py [--models a,b] [--batches 1,8] [--threads 2] [--iters 20]
                                [--reps 3] [--fovea PATH] [--work-dir DIR] [--out FILE]
                                [--omp-wait-policy active|passive] [--huge-pages]
                                [--free-batch] [--no-ort] [--no-check]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
DEFAULT_MODELS = "alexnet,alexnet-zoo,vgg16,vgg16-bn,googlenet,googlenet-zoo,resnet18,resnet50"
ORT_PACKAGE = "onnxruntime-node@1.30.0"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run_measured(cmd, env=None):
    """Runs cmd; returns (exit code, stdout, stderr, peak RSS in MB of that process)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (proc.returncode, out.read().decode(errors="replace"),
                err.read().decode(errors="replace"), usage.ru_maxrss / 1024.0)


def last_json_line(text):
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return None


def input_size(model):
    return 227 if model == "alexnet-zoo" else 224  # as make_models.py


def ensure_models(models, batch, cache):
    folder = os.path.join(cache, f"b{batch}")
    missing = [m for m in models if not os.path.exists(os.path.join(folder, m + ".onnx"))]
    if missing:
        tool = os.path.join(SHARED, "tools", "make_models.py")
        log(f"generating {','.join(missing)} (batch {batch}) into {folder}")
        subprocess.run(["/usr/bin/python3", tool, folder, "--only", ",".join(missing),
                        "--batch", str(batch)], check=True, stdout=subprocess.DEVNULL)
    return {m: os.path.join(folder, m + ".onnx") for m in models}


# Rewrites a model's input and output batch dimension as dim_param "N" (same weights).
FREE_BATCH_SCRIPT = """
import sys, onnx
model = onnx.load(sys.argv[1])
for value in list(model.graph.input) + list(model.graph.output):
    value.type.tensor_type.shape.dim[0].dim_param = "N"
onnx.save(model, sys.argv[2])
"""


def ensure_free_batch_models(models, cache):
    fixed = ensure_models(models, 1, cache)
    folder = os.path.join(cache, "free")
    os.makedirs(folder, exist_ok=True)
    paths = {}
    for m in models:
        paths[m] = os.path.join(folder, m + ".onnx")
        if not os.path.exists(paths[m]):
            log(f"making {m}'s batch dimension free into {folder}")
            tmp = paths[m] + ".tmp"
            subprocess.run(["/usr/bin/python3", "-c", FREE_BATCH_SCRIPT, fixed[m], tmp],
                           check=True)
            os.replace(tmp, paths[m])
    return paths


def ensure_ort(folder):
    """Returns an environment whose NODE_PATH finds onnxruntime-node, or None with a reason."""
    modules = os.path.join(folder, "node_modules")
    if not os.path.isdir(os.path.join(modules, "onnxruntime-node")):
        if shutil.which("npm") is None:
            return None, "npm is not installed"
        os.makedirs(folder, exist_ok=True)
        log(f"installing {ORT_PACKAGE} into {folder}")
        r = subprocess.run(["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund",
                            ORT_PACKAGE], cwd=folder, capture_output=True, text=True)
        if r.returncode != 0:
            return None, f"npm install {ORT_PACKAGE} failed: {r.stderr.strip()[-300:]}"
    env = dict(os.environ, NODE_PATH=modules)
    probe = subprocess.run(["node", "-e", "require('onnxruntime-node')"], env=env,
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return None, f"onnxruntime-node does not load: {probe.stderr.strip()[-300:]}"
    return env, ""


def fovea_once(args, model, batch):
    cmd = [args.fovea, "bench", model, "--json", "--batch", str(batch), "--threads",
           str(args.threads), "--iters", str(args.iters), "--warmup", "1"]
    if args.huge_pages:
        cmd.append("--huge-pages")
    env = dict(os.environ)
    if args.omp_wait_policy:
        env["OMP_WAIT_POLICY"] = args.omp_wait_policy
    code, out, err, rss = run_measured(cmd, env)
    if code != 0:
        raise RuntimeError((err or out).strip().splitlines()[-1] if (err or out).strip() else
                           f"fovea exited {code}")
    j = json.loads(out[out.index("{"):out.rindex("}") + 1])
    return {"median_ms": j["median_ms"], "load_ms": j["load_ms"], "rss_mb": rss,
            "arena_mb": j["arena_bytes"] / 1e6}


def ort_once(args, env, name, model, batch):
    cmd = ["node", os.path.join(SHARED, "tools", "ort_run.js"), model, "--threads",
           str(args.threads), "--batch", str(batch), "--iters", str(args.iters), "--size",
           str(input_size(name))]
    code, out, err, rss = run_measured(cmd, env)
    j = last_json_line(out) if code == 0 else None
    if j is None:
        raise RuntimeError((err or out).strip()[-300:] or f"node exited {code}")
    return {"median_ms": j["median_ms"], "load_ms": j["load_ms"], "rss_mb": rss}


def agreement(args, env, name, model, work):
    """Max |fovea - ORT| / max |ORT| of the first output on one shared batch-1 input."""
    try:
        import numpy as np  # Debian python3-numpy / python3-onnx, needed only here
        from onnx import numpy_helper, TensorProto
    except ImportError as e:
        return f"skipped ({e.name} missing: run with /usr/bin/python3)"
    raw_in, raw_out = os.path.join(work, "input.f32"), os.path.join(work, "ort_output.f32")
    out_dir = os.path.join(work, "fovea_out")
    r = subprocess.run(["node", os.path.join(SHARED, "tools", "ort_run.js"), model, "--iters",
                        "1", "--threads", str(args.threads), "--size", str(input_size(name)),
                        "--write-input", raw_in, "--write-output", raw_out], env=env,
                       capture_output=True, text=True)
    if r.returncode != 0:
        return "ORT failed"
    size = input_size(name)
    x = np.fromfile(raw_in, dtype="<f4").reshape(1, 3, size, size)
    proto = numpy_helper.from_array(x, "input")
    in_pb = os.path.join(work, "input_0.pb")
    with open(in_pb, "wb") as f:
        f.write(proto.SerializeToString())
    r = subprocess.run([args.fovea, "run", model, "--input", in_pb, "--output-dir", out_dir,
                        "--threads", str(args.threads), "--force"], capture_output=True,
                       text=True)
    if r.returncode != 0:
        return "fovea failed"
    t = TensorProto()
    with open(os.path.join(out_dir, "output_0.pb"), "rb") as f:
        t.ParseFromString(f.read())
    ours = numpy_helper.to_array(t).astype(np.float64).ravel()
    theirs = np.fromfile(raw_out, dtype="<f4").astype(np.float64)
    if ours.shape != theirs.shape:
        return f"shapes differ ({ours.size} vs {theirs.size})"
    scale = max(np.abs(theirs).max(), 1e-30)
    return f"{np.abs(ours - theirs).max() / scale:.1e}"


def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b else "-"


def fmt(v, digits=2):
    return f"{v:.{digits}f}" if v is not None else "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default=DEFAULT_MODELS)
    ap.add_argument("--batches", default="1,8")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--fovea", default=os.path.join(ROOT, "build", "apps", "fovea"))
    ap.add_argument("--work-dir", default=os.path.join(ROOT, "build", "bench-compare"),
                    help="model cache, ONNX Runtime install and results")
    ap.add_argument("--out", help="markdown table (default WORK_DIR/compare.md)")
    ap.add_argument("--omp-wait-policy", choices=["active", "passive"],
                    help="OMP_WAIT_POLICY for fovea (unset: the OpenMP default, which spins)")
    ap.add_argument("--huge-pages", action="store_true",
                    help="fovea bench --huge-pages (memory-bound weights on huge pages)")
    ap.add_argument("--free-batch", action="store_true",
                    help="make the models' batch dimension free; run each batch on that model")
    ap.add_argument("--no-ort", action="store_true", help="Fovea's numbers only")
    ap.add_argument("--no-check", action="store_true", help="skip the agreement check")
    args = ap.parse_args()
    if not os.access(args.fovea, os.X_OK):
        sys.exit(f"error: no fovea program at {args.fovea} (build it, or pass --fovea)")
    if not os.path.isdir(SHARED):
        sys.exit(f"error: {SHARED} is absent: the models and ort_run.js come from there")
    models = [m for m in args.models.split(",") if m]
    batches = [int(b) for b in args.batches.split(",")]
    env, why = (None, "--no-ort given") if args.no_ort else ensure_ort(
        os.path.join(args.work_dir, "ort"))
    if env is None:
        log(f"ONNX Runtime skipped: {why}; printing Fovea's numbers only")

    rows = []
    for batch in batches:
        cache = os.path.join(args.work_dir, "models")
        paths = (ensure_free_batch_models(models, cache) if args.free_batch else
                 ensure_models(models, batch, cache))
        for name in models:
            fovea, ort, error = [], [], ""
            for rep in range(args.reps):  # alternate, so slow drifts hit both engines alike
                try:
                    fovea.append(fovea_once(args, paths[name], batch))
                except RuntimeError as e:
                    error = f"fovea: {e}"
                if env is not None:
                    try:
                        ort.append(ort_once(args, env, name, paths[name], batch))
                    except RuntimeError as e:
                        error = f"ORT: {e}"
                log(f"{name} b{batch} rep {rep + 1}/{args.reps} done")
            med = lambda runs, key: statistics.median(r[key] for r in runs) if runs else None
            check = ""
            if env is not None and batch == 1 and not args.no_check and fovea and ort:
                with tempfile.TemporaryDirectory() as work:
                    check = agreement(args, env, name, paths[name], work)
            rows.append({"model": name, "batch": batch,
                         "fovea_ms": med(fovea, "median_ms"), "ort_ms": med(ort, "median_ms"),
                         "fovea_load": med(fovea, "load_ms"), "ort_load": med(ort, "load_ms"),
                         "fovea_rss": med(fovea, "rss_mb"), "ort_rss": med(ort, "rss_mb"),
                         "arena": med(fovea, "arena_mb"), "check": check, "error": error})

    header = ["model", "batch", "fovea ms", "ORT ms", "ratio", "throughput ratio",
              "load ratio", "peak RSS ratio", "fovea RSS MB", "ORT RSS MB", "arena MB",
              "max rel diff"]
    table = []
    for r in rows:
        table.append([r["model"], str(r["batch"]), fmt(r["fovea_ms"]), fmt(r["ort_ms"]),
                      ratio(r["fovea_ms"], r["ort_ms"]), ratio(r["ort_ms"], r["fovea_ms"]),
                      ratio(r["fovea_load"], r["ort_load"]), ratio(r["fovea_rss"], r["ort_rss"]),
                      fmt(r["fovea_rss"], 0), fmt(r["ort_rss"], 0), fmt(r["arena"], 1),
                      r["check"] or "-"])
    widths = [max(len(row[c]) for row in table + [header]) for c in range(len(header))]
    for row in [header] + table:
        print("  ".join(cell.rjust(w) if c else cell.ljust(w)
                        for c, (cell, w) in enumerate(zip(row, widths))))
    for r in rows:
        if r["error"]:
            print(f"{r['model']} b{r['batch']}: {r['error']}")

    md = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    md += ["| " + " | ".join(row) + " |" for row in table]
    settings = (f"{args.threads} threads, {args.iters} timed runs, median of {args.reps} "
                f"repetitions, fovea OMP_WAIT_POLICY {args.omp_wait_policy or 'unset'}"
                f"{', fovea --huge-pages' if args.huge_pages else ''}"
                f"{', models with a free batch dimension' if args.free_batch else ''}; "
                f"ONNX Runtime: {'skipped (' + why + ')' if env is None else ORT_PACKAGE}")
    print(settings)
    out = args.out or os.path.join(args.work_dir, "compare.md")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        f.write(settings + "\n\n" + "\n".join(md) + "\n")
    os.replace(tmp, out)  # atomic: a reader never sees half a table
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
