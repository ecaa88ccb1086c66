"""The evaluation of benches/evaluation.rs in PyTorch, to run side by side on one machine.

One evaluation: VGG16 forward to relu5_1 (torchvision's layer layout, random weights with
torchvision's initialisation: speed does not depend on the values), the total loss of
docs/maths.md (content relu4_2; style relu1_1..relu5_1 with w_l = 1/5, Grams normalised
as impasto's; total variation; alpha 1, beta 1e7, gamma 1e3), backward for the pixel
gradient only (weights requires_grad=False), and one scalar read of the loss.

    python3 benches/reference/torch_eval.py                 # CPU, 224 and 512 px
    python3 benches/reference/torch_eval.py --device cuda --sizes 512,1024 [--tf32]

Each size runs in its own process so that peak resident memory (ru_maxrss) is its own.
Prints one markdown row per size, like the Rust bench.
"""
import argparse
import resource
import subprocess
import sys
import time

import torch

from torch_vgg import VGG16, features, gram, total_variation

STYLE = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
CONTENT = "relu4_2"


def make_weights(device):
    weights, channels = [], 3
    for v in VGG16:
        if v == "M":
            continue
        w = torch.empty(v, channels, 3, 3, device=device)
        torch.nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
        weights.append((w, torch.zeros(v, device=device)))
        channels = v
    return weights


def total_loss(x, weights, content_targets, style_targets):
    f = features(x, weights, set(STYLE) | {CONTENT}, "relu5_1")
    content = 0.5 * ((f[CONTENT] - content_targets) ** 2).sum()
    style = 0.0
    for name in STYLE:
        _, c, hh, ww = f[name].shape
        m = hh * ww
        style = style + 0.2 * ((gram(f[name]) - style_targets[name]) ** 2).sum() / (4.0 * c * c * m * m)
    return content + 1e7 * style + 1e3 * total_variation(x)


def child(size, device, samples):
    torch.manual_seed(0)
    weights = make_weights(device)
    content = torch.rand(1, 3, size, size, device=device)
    style = torch.rand(1, 3, size, size, device=device)
    with torch.no_grad():
        content_targets = features(content, weights, {CONTENT}, "relu5_1")[CONTENT]
        style_targets = {n: gram(f) for n, f in features(style, weights, set(STYLE), "relu5_1").items()}
    x = torch.rand(1, 3, size, size, device=device)

    def evaluate():
        pixels = x.clone().requires_grad_(True)
        loss = total_loss(pixels, weights, content_targets, style_targets)
        loss.backward()
        value = loss.item()
        if device == "cuda":
            torch.cuda.synchronize()
        return value

    start = time.perf_counter()
    evaluate()
    first = time.perf_counter() - start
    evaluate()
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        evaluate()
        times.append((time.perf_counter() - start) * 1e3)
    times.sort()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    if device == "cuda":
        peak_text = f"{torch.cuda.max_memory_allocated() / 2**20:.0f} MiB device"
    else:
        peak_text = f"{peak:.0f} MiB"
    print(
        f"| torch {torch.__version__} {device} ({torch.get_num_threads()} threads) | {size} px | "
        f"{first * 1e3:.0f} ms | {times[len(times) // 2]:.1f} [{times[0]:.1f}, {times[-1]:.1f}] | "
        f"{samples} | {peak_text} |"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--sizes", default="224,512")
    parser.add_argument("--samples", type=int, default=0, help="default: 10, or 3 above 5 s")
    parser.add_argument("--tf32", action="store_true", help="allow TF32 matmuls and convolutions")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (default: torch's own)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    torch.backends.cudnn.allow_tf32 = args.tf32
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.child:
        samples = args.samples or (3 if args.child >= 512 and args.device == "cpu" else 10)
        child(args.child, args.device, samples)
        return
    print("| backend | size | first evaluation | ms / evaluation, median [min, max] | samples | peak memory |")
    print("|---|---|---|---|---|---|")
    for size in [int(s) for s in args.sizes.split(",")]:
        command = [sys.executable, __file__, "--device", args.device, "--child", str(size)]
        if args.samples:
            command += ["--samples", str(args.samples)]
        if args.tf32:
            command.append("--tf32")
        if args.threads:
            command += ["--threads", str(args.threads)]
        sys.stdout.flush()
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
