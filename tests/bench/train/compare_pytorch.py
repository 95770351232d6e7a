#!/usr/bin/env python3
"""Lookalike's oneDNN engine against PyTorch CPU, side by side in one run.

Runs `lookalike-cli bench train|infer` and the same architecture written here in PyTorch
(Debian's python3-torch, which uses the same oneDNN), with the same batch, input size and
thread count, and reports images/s, the ratios, and GFLOP/s as a fraction of the machine's
sgemm peak measured in the same run.

--network mobilenetv2 times the library's fine-tuning network instead (--architecture, default
MOBILENETV2 below): `bench train --frozen-blocks 7` (the stem and blocks 0..6 in inference mode,
block_7 to block_10 and the head trained) against the same weights in PyTorch
(tests/bench/embed/mobilenetv2_pytorch.py, read from `bench --write-network`), the frozen part
under torch.no_grad() in eval mode, the rest in train mode, AdamW over the trainable parameters
only; `bench infer` against the BN-folded network in torch.inference_mode().

Usage: /usr/bin/python3 tests/bench/train/compare_pytorch.py --cli build/app/lookalike-cli \
           [--network resnet|mobilenetv2] [--size 96] [--architecture CONFIG] [--frozen-blocks 7] \
           [--batch 64] [--threads 2] [--iters 30] [--rounds 3] [--peers nchw,nchw-no-mkldnn,channels-last] \
           [--peer-allocator jemalloc|system]

PyTorch runs each way in --peers (see torch_bench) and the ratio is against the fastest, under
jemalloc unless --peer-allocator system (tests/bench/pytorch_peer.py says why). Install the bench
packages first (installer/install-deps.sh bench): jemalloc, and OpenBLAS, without which Debian's
torch falls back to the reference BLAS for what oneDNN does not run.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "embed"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import mobilenetv2_pytorch  # noqa: E402  (the peer of tests/bench/embed, shared)
import pytorch_peer  # noqa: E402

MOBILENETV2 = "lookalike-mobilenetv2/1 in_channels=3 input_size=128 cut=block_10 grid=2 embedding_dim=256"


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


class FineTunedEmbedder(nn.Module):
    """MobileNetV2Embedder (fold=False) with the stem and the first `frozen_blocks` blocks frozen
    as Network::setFrozenBlocks does: no gradient, BN on its running statistics (eval mode) even
    when the model trains. images [N, 3, S, S] -> embeddings [N, D]."""

    def __init__(self, embedder, frozen_blocks):
        super().__init__()
        self.embedder = embedder
        self.frozen = embedder.backbone[:1 + frozen_blocks]
        self.trainable = embedder.backbone[1 + frozen_blocks:]
        for parameter in self.frozen.parameters():
            parameter.requires_grad_(False)

    def train(self, mode=True):
        super().train(mode)
        self.frozen.eval()
        return self

    def forward(self, x):
        with torch.no_grad():
            x = self.frozen(x)
        return self.embedder.head(self.trainable(x))


def conv_linear_flops(model, images, modules):
    """2 x multiply-adds of the Conv2d and Linear layers among `modules`, per image."""
    total = 0

    def count(module, inputs, output):
        nonlocal total
        if isinstance(module, nn.Conv2d):
            kernel = module.kernel_size[0] * module.kernel_size[1] * module.in_channels // module.groups
            total += 2 * output.numel() * kernel
        elif isinstance(module, nn.Linear):
            total += 2 * output.numel() * module.in_features

    hooks = [m.register_forward_hook(count) for part in modules for m in part.modules()
             if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        model(images[:1])
    for hook in hooks:
        hook.remove()
    return total


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


PEERS = ("nchw", "nchw-no-mkldnn", "channels-last")


def torch_bench(model, in_channels, size, mode, batch, iters, mining, peer):
    """Median images/s of a training step (or inference) of `model`; AdamW over the parameters
    that require a gradient. peer: how PyTorch runs it. "nchw": eager, NCHW, its default
    dispatch (convolutions through oneDNN); "nchw-no-mkldnn": the same with oneDNN switched off,
    so convolutions go through ATen's own kernels and the system BLAS; "channels-last": NHWC
    activations and weights (often faster on CPU, for depthwise convolutions especially)."""
    torch.manual_seed(0)
    images = torch.randn(batch, in_channels, size, size)
    if peer == "channels-last":
        model = model.to(memory_format=torch.channels_last)
        images = images.contiguous(memory_format=torch.channels_last)
    k = 4
    labels = torch.arange(batch) // k
    if mode == "train":
        model.train()
        trainable = [parameter for parameter in model.parameters() if parameter.requires_grad]
        optimizer = torch.optim.AdamW(trainable, lr=1e-3, weight_decay=5e-4)
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
    with torch.backends.mkldnn.flags(enabled=peer != "nchw-no-mkldnn"):
        return median_images_per_second(step, batch, iters)


def system_blas():
    """The library behind libblas.so.3 (Debian's alternatives: reference BLAS or OpenBLAS)."""
    return os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")


def run_cli(cli, mode, args, write_network=None):
    command = [cli, "bench", mode, "--batch", str(args.batch), "--threads", str(args.threads),
               "--iters", str(args.iters)]
    if args.network == "mobilenetv2":
        command += ["--architecture", args.architecture]
        if mode == "train":
            command += ["--frozen-blocks", str(args.frozen_blocks)]
    else:
        command += ["--size", str(args.size)]
    if mode == "train":
        command += ["--mining", args.mining]
    if write_network:
        command += ["--write-network", write_network]
    output = subprocess.run(command, check=True, capture_output=True, text=True,
                            env=pytorch_peer.lookalike_environment()).stdout
    values = {}
    for line in output.splitlines():
        match = re.match(r"^(\w+): (.*)$", line.strip())
        if match:
            values[match.group(1)] = match.group(2)
    return values


def peer_model(args, mode, values, network_file):
    """-> (PyTorch model, in_channels, input size, FLOPs of one step per image) for what the CLI
    timed. A training step counts 3x the forward FLOPs of the layers that train (forward, data
    and weight gradients) and 1x those of the frozen ones."""
    if args.network == "resnet":
        arch = parse_architecture(values["architecture"])
        flops = float(values["flops_per_image"])
        return EmbeddingNet(arch), arch["in_channels"], arch["input_size"], flops * (3 if mode == "train" else 1)
    architecture, tensors = mobilenetv2_pytorch.read_tensor_file(network_file)
    settings = mobilenetv2_pytorch.parse_settings(architecture)
    size = int(settings["input_size"])
    flops = float(values["flops_per_image"])
    if mode == "infer":
        return mobilenetv2_pytorch.MobileNetV2Embedder(architecture, tensors), 3, size, flops
    model = FineTunedEmbedder(mobilenetv2_pytorch.MobileNetV2Embedder(architecture, tensors, fold=False),
                              args.frozen_blocks)
    probe = torch.zeros(1, 3, size, size)
    total = conv_linear_flops(model, probe, [model])
    trained = conv_linear_flops(model, probe, [model.trainable, model.embedder.linear])
    if total != flops:
        print(f"note: PyTorch counts {total} FLOPs per image, lookalike-cli {flops:.0f}")
    return model, 3, size, flops + 2 * trained


def run_rounds(args, network_file):
    """-> ({mode: (median lookalike img/s, {peer: median PyTorch img/s}, FLOPs per image of a
    step)}, peak)."""
    results = {}
    peak = None
    for mode in ("train", "infer"):
        ours, theirs = [], {peer: [] for peer in args.peers}
        for _ in range(args.rounds):  # alternate so both see the same machine state
            write = network_file if args.network == "mobilenetv2" and not os.path.exists(network_file) else None
            values = run_cli(args.cli, mode, args, write)
            ours.append(float(values["images_per_second"]))
            if "sgemm_gflops" in values:
                peak = max(peak or 0.0, float(values["sgemm_gflops"]))
            for peer in args.peers:
                model, in_channels, size, work = peer_model(args, mode, values, network_file)
                theirs[peer].append(torch_bench(model, in_channels, size, mode, args.batch, args.iters,
                                                args.mining, peer))
            print(f"{mode} round {len(ours)}: lookalike {ours[-1]:.1f} img/s, pytorch " +
                  ", ".join(f"{peer} {theirs[peer][-1]:.1f}" for peer in args.peers) + " img/s", flush=True)
        results[mode] = (statistics.median(ours), {peer: statistics.median(v) for peer, v in theirs.items()}, work)
        print(f"architecture: {values['architecture']}" +
              (f" frozen_blocks={values['frozen_blocks']}" if "frozen_blocks" in values else ""))
    return results, peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", required=True)
    parser.add_argument("--size", type=int, default=96)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--iters", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per side")
    parser.add_argument("--mining", default="batch-all", choices=["batch-all", "batch-hard"])
    parser.add_argument("--network", choices=("resnet", "mobilenetv2"), default="resnet")
    parser.add_argument("--architecture", default=MOBILENETV2, help="--network mobilenetv2: its NetworkConfig")
    parser.add_argument("--frozen-blocks", type=int, default=7, help="--network mobilenetv2: bench train")
    parser.add_argument("--peers", default=",".join(PEERS),
                        help="how PyTorch runs, comma-separated, of " + ", ".join(PEERS) +
                             "; the ratio is against the fastest")
    parser.add_argument("--peer-allocator", choices=pytorch_peer.ALLOCATORS, default="jemalloc",
                        help="PyTorch's memory allocator (tests/bench/pytorch_peer.py)")
    args = parser.parse_args()
    pytorch_peer.run_self_as_peer(args.peer_allocator)
    args.peers = args.peers.split(",")
    if not args.peers or any(peer not in PEERS for peer in args.peers):
        parser.error("--peers: a comma-separated list of " + ", ".join(PEERS))

    torch.set_num_threads(args.threads)
    shape = args.architecture if args.network == "mobilenetv2" else f"size {args.size}"
    print(f"torch {torch.__version__}, mkldnn available: {torch.backends.mkldnn.is_available()}, "
          f"threads {args.threads}, {shape}, batch {args.batch}, iters {args.iters}, "
          f"system BLAS {system_blas()}, PyTorch on {pytorch_peer.describe(args.peer_allocator)}")

    with tempfile.TemporaryDirectory(prefix="lookalike-bench-train-") as scratch:
        network_file = os.path.join(scratch, "network.lkckpt")
        results, peak = run_rounds(args, network_file)

    print()
    print(f"{'step':<8}{'lookalike img/s':>18}{'fastest pytorch img/s':>30}{'ratio':>8}{'GFLOP/s':>10}{'of peak':>9}")
    for mode, (ours, theirs, work) in results.items():
        fastest = max(theirs, key=theirs.get)
        gflops = ours * work / 1e9
        fraction = f"{gflops / peak:.0%}" if peak else "n/a"
        print(f"{mode:<8}{ours:>18.1f}{theirs[fastest]:>16.1f} ({fastest:>14}){ours / theirs[fastest]:>7.2f}x"
              f"{gflops:>10.1f}{fraction:>9}")
        for peer, rate in theirs.items():
            print(f"{'':<8}{'':>18}{rate:>16.1f} ({peer:>14}){ours / rate:>7.2f}x")
    if peak:
        print(f"sgemm peak (oneDNN dnnl_sgemm, {args.threads} threads): {peak:.1f} GFLOP/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
