#!/usr/bin/env python3
"""PyTorch's side of the GPU comparison (issue #8): the same network as a generated ONNX model,
run by PyTorch eager in float32 with cudnn.benchmark and channels_last, as the issue asks.

The network is torchvision's (resnet50, googlenet, vgg16): make_models.py's "tv" families have
exactly its structure. With --onnx the ONNX file's weights are copied into it in order (shapes
checked one by one), so both engines compute the same function and their outputs can be compared.

Prints one JSON line:
  device_ms  median latency with the input already on the GPU (what PyTorch users usually time)
  host_ms    median latency from a host input to a host output (what Fovea's API and `fovea bench`
             time: the copies in and out are included)
usage: torch_bench.py MODEL --batch N [--tf32] [--iters K] [--warmup W] [--onnx FILE]
                      [--write-input FILE.pb] [--write-output FILE.pb]
"""
import argparse
import json
import statistics
import sys
import time

import torch
import torchvision

BUILDERS = {
    "resnet50": lambda: torchvision.models.resnet50(weights=None),
    "googlenet": lambda: torchvision.models.googlenet(
        weights=None, aux_logits=False, transform_input=False, init_weights=False),
    "vgg16": lambda: torchvision.models.vgg16(weights=None),
}


def load_onnx_weights(model, path):
    """Copies the ONNX initializers, in file order, into the model's parameters and BN buffers."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(path).graph
    weights = [numpy_helper.to_array(t) for t in graph.initializer if t.data_type == onnx.TensorProto.FLOAT]
    state = model.state_dict()
    keys = [k for k in state if not k.endswith("num_batches_tracked")]
    if len(keys) != len(weights):
        raise SystemExit(f"{path}: {len(weights)} float initializers, the torchvision model has {len(keys)}")
    for key, w in zip(keys, weights):
        if tuple(state[key].shape) != w.shape:
            raise SystemExit(f"{path}: {key} is {tuple(state[key].shape)}, the ONNX weight is {w.shape}")
        state[key] = torch.from_numpy(w.copy())
    model.load_state_dict(state)
    for m in model.modules():  # make_models.py writes epsilon 1e-5; torchvision's GoogLeNet uses 1e-3
        if isinstance(m, torch.nn.BatchNorm2d):
            m.eps = 1e-5


def median_ms(fn, iters, warmup):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", choices=sorted(BUILDERS))
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--tf32", action="store_true")
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--onnx")
    ap.add_argument("--write-input")
    ap.add_argument("--write-output")
    ap.add_argument("--seed", type=int, default=2024)
    a = ap.parse_args()

    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.allow_tf32 = a.tf32
    torch.backends.cuda.matmul.allow_tf32 = a.tf32

    model = BUILDERS[a.model]()
    if a.onnx:
        load_onnx_weights(model, a.onnx)
    model = model.eval().cuda().to(memory_format=torch.channels_last)

    gen = torch.Generator().manual_seed(a.seed)
    host_input = torch.rand(a.batch, 3, 224, 224, generator=gen)
    device_input = host_input.cuda().contiguous(memory_format=torch.channels_last)

    with torch.inference_mode():
        device_ms = median_ms(lambda: model(device_input), a.iters, a.warmup)

        def host_to_host():
            x = host_input.cuda().contiguous(memory_format=torch.channels_last)
            return model(x).cpu()

        host_ms = median_ms(host_to_host, a.iters, a.warmup)
        output = model(device_input).float().cpu()

    if a.write_input or a.write_output:
        from onnx import numpy_helper

        if a.write_input:
            with open(a.write_input, "wb") as f:
                f.write(numpy_helper.from_array(host_input.numpy(), "input").SerializeToString())
        if a.write_output:
            with open(a.write_output, "wb") as f:
                f.write(numpy_helper.from_array(output.numpy(), "output").SerializeToString())

    print(json.dumps({
        "engine": "pytorch", "torch": torch.__version__, "cudnn": torch.backends.cudnn.version(),
        "device": torch.cuda.get_device_name(), "model": a.model, "batch": a.batch, "tf32": a.tf32,
        "weights": "onnx" if a.onnx else "random", "device_ms": round(device_ms, 4),
        "host_ms": round(host_ms, 4), "iters": a.iters,
    }), flush=True)


if __name__ == "__main__":
    sys.exit(main())
