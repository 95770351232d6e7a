#!/usr/bin/env python3
"""Lookalike's oneDNN engine against PyTorch CPU, side by side in one run.

Runs `lookalike-cli bench train|infer` and the same architecture written here in PyTorch
(Debian's python3-torch, which uses the same oneDNN), with the same batch, input size and
thread count, and reports images/s, the ratios, and GFLOP/s as a fraction of the machine's
sgemm peak measured in the same run.

Usage: /usr/bin/python3 tests/bench/train/compare_pytorch.py --cli build/app/lookalike-cli \
           [--size 96] [--batch 64] [--threads 2] [--iters 30] [--rounds 3]
"""
import argparse
import re
import statistics
import subprocess
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def parse_architecture(text):
    """'lookalike-resnet/1 in_channels=3 input_size=96 ...' -> dict."""
    fields = dict(item.split("=", 1) for item in text.split()[1:])
    return {
        "in_channels": int(fields["in_channels"]),
        "input_size": int(fields["input_size"]),
        "width": int(fields["width"]),
        "embedding_dim": int(fields["embedding_dim"]),
        "blocks": [int(b) for b in fields["blocks"].split(",")],
        "downsample_stem": fields["downsample_stem"] == "1",
    }


def conv_bn(cin, cout, kernel, stride):
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2, bias=False),
        nn.BatchNorm2d(cout))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = conv_bn(cin, cout, 3, stride)
        self.conv2 = conv_bn(cout, cout, 3, 1)
        self.shortcut = conv_bn(cin, cout, 1, stride) if (stride != 1 or cin != cout) else None

    def forward(self, x):
        y = self.conv2(F.relu(self.conv1(x)))
        return F.relu(y + (self.shortcut(x) if self.shortcut is not None else x))


class EmbeddingNet(nn.Module):
    """The same topology as core/nn/topology.cpp."""

    def __init__(self, arch):
        super().__init__()
        w = arch["width"]
        stem_stride = 2 if arch["downsample_stem"] else 1
        layers = [conv_bn(arch["in_channels"], w, 3, stem_stride), nn.ReLU()]
        if arch["downsample_stem"]:
            layers.append(nn.MaxPool2d(3, stride=2, padding=1))
        cin = w
        for stage, count in enumerate(arch["blocks"]):
            cout = w << stage
            for block in range(count):
                stride = 2 if (stage > 0 and block == 0) else 1
                layers.append(BasicBlock(cin, cout, stride))
                cin = cout
        self.features = nn.Sequential(*layers)
        self.linear = nn.Linear(cin, arch["embedding_dim"])

    def forward(self, x):
        x = self.features(x)
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return F.normalize(self.linear(x), dim=1)


def pairwise_distances(e):
    gram = e @ e.t()
    sq = gram.diagonal()
    d2 = (sq.unsqueeze(0) + sq.unsqueeze(1) - 2 * gram).clamp_min(0)
    return torch.sqrt(d2 + 1e-6)


def batch_all_triplet_loss(e, labels, margin=0.2):
    d = pairwise_distances(e)
    same = labels.unsqueeze(0) == labels.unsqueeze(1)
    eye = torch.eye(len(labels), dtype=torch.bool)
    pos = same & ~eye
    neg = ~same
    t = d.unsqueeze(2) - d.unsqueeze(1) + margin          # [a, p, n]
    valid = pos.unsqueeze(2) & neg.unsqueeze(1)
    t = F.relu(t) * valid
    active = (t > 0).sum()
    return t.sum() / active.clamp_min(1)


def batch_hard_triplet_loss(e, labels, margin=0.2):
    d = pairwise_distances(e)
    same = labels.unsqueeze(0) == labels.unsqueeze(1)
    eye = torch.eye(len(labels), dtype=torch.bool)
    hardest_pos = (d * (same & ~eye)).max(1).values
    hardest_neg = d.masked_fill(same, float("inf")).min(1).values
    return F.relu(hardest_pos - hardest_neg + margin).mean()


def median_images_per_second(step, batch, iters, warmup=3):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return batch / statistics.median(times)


def torch_bench(arch, mode, batch, iters, mining):
    torch.manual_seed(0)
    model = EmbeddingNet(arch)
    size = arch["input_size"]
    images = torch.randn(batch, arch["in_channels"], size, size)
    k = 4
    labels = torch.arange(batch) // k
    if mode == "train":
        model.train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=5e-4)
        loss_fn = batch_all_triplet_loss if mining == "batch-all" else batch_hard_triplet_loss

        def step():
            optimizer.zero_grad(set_to_none=False)
            loss = loss_fn(model(images), labels)
            loss.backward()
            optimizer.step()
    else:
        model.eval()

        def step():
            with torch.inference_mode():
                model(images)
    return median_images_per_second(step, batch, iters)


def run_cli(cli, mode, args):
    command = [cli, "bench", mode, "--size", str(args.size), "--batch", str(args.batch),
               "--threads", str(args.threads), "--iters", str(args.iters)]
    if mode == "train":
        command += ["--mining", args.mining]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    values = {}
    for line in output.splitlines():
        match = re.match(r"^(\w+): (.*)$", line.strip())
        if match:
            values[match.group(1)] = match.group(2)
    return values


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", required=True)
    parser.add_argument("--size", type=int, default=96)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--iters", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per side")
    parser.add_argument("--mining", default="batch-all", choices=["batch-all", "batch-hard"])
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, mkldnn available: {torch.backends.mkldnn.is_available()}, "
          f"threads {args.threads}, size {args.size}, batch {args.batch}, iters {args.iters}")

    results = {}
    peak = None
    for mode in ("train", "infer"):
        ours, theirs = [], []
        arch = None
        flops = None
        for _ in range(args.rounds):  # alternate so both see the same machine state
            values = run_cli(args.cli, mode, args)
            ours.append(float(values["images_per_second"]))
            arch = parse_architecture(values["architecture"])
            flops = float(values["flops_per_image"])
            if "sgemm_gflops" in values:
                peak = max(peak or 0.0, float(values["sgemm_gflops"]))
            theirs.append(torch_bench(arch, mode, args.batch, args.iters, args.mining))
        results[mode] = (statistics.median(ours), statistics.median(theirs), flops)
        print(f"architecture: {values['architecture']}")

    print()
    print(f"{'step':<8}{'lookalike img/s':>18}{'pytorch img/s':>16}{'ratio':>8}{'GFLOP/s':>10}{'of peak':>9}")
    for mode, (ours, theirs, flops) in results.items():
        # A training step costs about 3x the forward pass (forward, data and weight gradients).
        work = flops * (3 if mode == "train" else 1)
        gflops = ours * work / 1e9
        fraction = f"{gflops / peak:.0%}" if peak else "n/a"
        print(f"{mode:<8}{ours:>18.1f}{theirs:>16.1f}{ours / theirs:>7.2f}x{gflops:>10.1f}{fraction:>9}")
    if peak:
        print(f"sgemm peak (oneDNN dnnl_sgemm, {args.threads} threads): {peak:.1f} GFLOP/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
