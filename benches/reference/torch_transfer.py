"""PyTorch's run of the objective impasto optimised in benches/tools/against_torch.rs.

    cargo run --release --example against_torch -- WEIGHTS 256,512 200 OUT
    python3 benches/reference/torch_transfer.py WEIGHTS OUT [--evaluations 50,100,200]

WEIGHTS is the same torchvision-convention VGG16 safetensors file (e.g. the folded trained
one, docs/weights.md); OUT the tool's output folder. For every OUT/PAIR-SIZE/ it reads
the images exactly as impasto sized them (content.f32, style.f32, start.f32: H x W x RGB,
f32, [0, 1]) and impasto's report.json (sizes, the resolved alpha, beta, gamma, layers,
per-layer style weights), builds the loss of docs/maths.md in float32 (content: half the
squared difference; style: Grams per position rescaled to the image's positions,
1/(4 N^2 M^2); total variation on the pixels), and minimises it from the same start with
torch.optim.LBFGS (lr 1, history 10, strong Wolfe, tolerance_grad 1e-7 and
tolerance_change 1e-9 as impasto's defaults, as many evaluations as impasto made).

Prints one markdown row per run and evaluation budget N: the loss after N evaluations.
For impasto that is the loss of its last accepted iterate whose evaluation count is <= N
(from the report); for PyTorch the lowest loss among its first N evaluations (line-search
trial points included, which can only favour PyTorch). Also writes OUT/PAIR-SIZE/torch.png.
"""
import argparse
import json
import os
import struct
import sys
import time

import numpy as np
import torch

from torch_vgg import CONV_KEYS, NAMES, features, gram, total_variation

def read_safetensors(path):
    """The tensors of a safetensors file (f32 only), without the safetensors package."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for key, meta in header.items():
        if key == "__metadata__":
            continue
        assert meta["dtype"] == "F32", f"{key}: {meta['dtype']}"
        a, b = meta["data_offsets"]
        out[key] = torch.from_numpy(np.frombuffer(data[a:b], dtype="<f4").copy()).reshape(meta["shape"])
    return out


def load_weights(path):
    t = read_safetensors(path)
    return [(t[f"features.{k}.weight"], t[f"features.{k}.bias"]) for k in CONV_KEYS]


def read_image(path, width, height):
    a = np.fromfile(path, dtype="<f4").reshape(height, width, 3)
    return torch.from_numpy(a.copy()).permute(2, 0, 1).unsqueeze(0).contiguous()


def run(weights, folder, budgets):
    report = json.load(open(os.path.join(folder, "report.json")))
    cfg = report["config"]
    width, height = cfg["image_size"]
    style_w, style_h = cfg["styles"][0]["size"]
    content = read_image(os.path.join(folder, "content.f32"), width, height)
    style = read_image(os.path.join(folder, "style.f32"), style_w, style_h)
    start = read_image(os.path.join(folder, "start.f32"), width, height)
    alpha, beta, gamma = cfg["content_weight"], cfg["style_weight"], cfg["tv_weight"]
    content_layers, style_layers = cfg["content_layers"], cfg["style_layers"]
    layer_w = cfg["style_layer_weights"]
    order = {n: i for i, n in enumerate(NAMES)}
    last = max(content_layers + style_layers, key=order.get)
    wanted = set(content_layers) | set(style_layers)
    with torch.no_grad():
        pc = features(content, weights, wanted, last)
        ps = features(style, weights, wanted, last)
        targets = {}
        for n in style_layers:
            _, _, hh, ww = ps[n].shape
            targets[n] = gram(ps[n]) / (hh * ww)  # per position; times M_l below

    def loss_of(x):
        f = features(x, weights, wanted, last)
        lc = sum(0.5 * ((f[n] - pc[n]) ** 2).sum() for n in content_layers)
        ls = 0.0
        for n, wl in zip(style_layers, layer_w):
            _, c, hh, ww = f[n].shape
            m = hh * ww
            ls = ls + wl * ((gram(f[n]) - m * targets[n]) ** 2).sum() / (4.0 * c * c * m * m)
        return alpha * lc + beta * ls + gamma * total_variation(x)

    x = start.clone().requires_grad_(True)
    losses = []

    def closure():
        opt.zero_grad()
        loss = loss_of(x)
        loss.backward()
        losses.append(loss.item())
        return loss

    total = report["evaluations"]
    opt = torch.optim.LBFGS([x], lr=1, max_iter=10**6, max_eval=total, history_size=10,
                            tolerance_grad=1e-7, tolerance_change=1e-9, line_search_fn="strong_wolfe")
    began = time.time()
    opt.step(closure)
    seconds = time.time() - began
    img = (x.detach().clamp(0, 1)[0].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    try:
        from PIL import Image
        Image.fromarray(img).save(os.path.join(folder, "torch.png"))
    except ImportError:
        pass

    records = report["records"]
    name = os.path.basename(folder.rstrip("/"))
    rows = []
    for n in budgets:
        ours = [r["loss"] for r in records if r["evaluations"] <= n]
        theirs = losses[:n]
        if len(losses) < n or records[-1]["evaluations"] < n:
            continue
        rows.append((name, n, ours[-1], min(theirs)))
    first = records[0]["loss"], losses[0]
    return rows, first, seconds, len(losses), report["duration_ms"] / 1e3, report["evaluations"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("weights")
    p.add_argument("out")
    p.add_argument("--evaluations", default="50,100,200")
    p.add_argument("--threads", type=int, default=0)
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    budgets = [int(n) for n in a.evaluations.split(",")]
    weights = load_weights(a.weights)
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads", file=sys.stderr)
    print("| run | evaluations | impasto loss | PyTorch loss | impasto / PyTorch |")
    print("|---|---|---|---|---|")
    notes = []
    for entry in sorted(os.listdir(a.out)):
        folder = os.path.join(a.out, entry)
        if not os.path.isfile(os.path.join(folder, "report.json")):
            continue
        rows, first, seconds, evals, ours_s, ours_evals = run(weights, folder, budgets)
        for name, n, ours, theirs in rows:
            print(f"| {name} | {n} | {ours:.5e} | {theirs:.5e} | {ours / theirs:.3f} |", flush=True)
        notes.append(f"{entry}: first loss impasto {first[0]:.6e} / PyTorch {first[1]:.6e}; "
                     f"impasto {ours_evals} evaluations in {ours_s:.0f} s, PyTorch {evals} in {seconds:.0f} s")
    for n in notes:
        print(n)


if __name__ == "__main__":
    main()
