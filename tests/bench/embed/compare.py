#!/usr/bin/env python3
"""Catalog embedding: Lookalike (bench_embed) against PyTorch CPU (embed_pytorch.py), one run.

Runs bench_embed, which makes the thumbnails, writes them to a temporary folder and times
thumbnails -> embeddings; then embed_pytorch.py on the same JPEG files with the same network,
batch and thread count. With --rounds > 1 the two alternate and the medians are compared.
Prints both rates, the ratios, and checks that both preprocessed the first batch alike.

--network mobilenetv2 benchmarks the MobileNetV2 embedder with its real backbone (--weights);
bench_embed hands the whole network and its embeddings of the first batch to the peer, which
runs the same weights, and the largest difference of the embeddings must stay below
--tolerance (1e-4).

Usage: /usr/bin/python3 tests/bench/embed/compare.py --bench build/tests/bench/embed/bench_embed \
           [--count 2000] [--folder PHOTOS] [--batch 64] [--threads 2] [--repeat 3] [--rounds 1]
           [--network resnet|mobilenetv2] [--weights FILE.lkckpt] [--tolerance 1e-4] \
           [--peer-allocator jemalloc|system]

The PyTorch peer runs under jemalloc unless --peer-allocator system (tests/bench/pytorch_peer.py).
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import pytorch_peer  # noqa: E402
WEIGHTS = os.path.join(HERE, "..", "..", "..", "resources", "models", "mobilenetv2-nsfwjs-block13.lkckpt")
RATES = ("images_per_second", "inference_images_per_second", "decode_preprocess_images_per_second")


def run(command, env):
    """Runs a benchmark, echoes its output, returns its `key: value` lines."""
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
    print(output, end="" if output.endswith("\n") else "\n")
    values = {}
    for line in output.splitlines():
        match = re.match(r"^(\w+): (.*)$", line.strip())
        if match:
            values[match.group(1)] = match.group(2)
    return values


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", required=True, help="the bench_embed executable")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--folder", help="photos to use instead of generated ones")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=1, help="alternating runs of each side")
    parser.add_argument("--network", choices=("resnet", "mobilenetv2"), default="resnet")
    parser.add_argument("--weights", default=os.path.normpath(WEIGHTS), help="the MobileNetV2 backbone")
    parser.add_argument("--tolerance", type=float, default=1e-4, help="largest embedding difference allowed")
    parser.add_argument("--peer-allocator", choices=pytorch_peer.ALLOCATORS, default="jemalloc",
                        help="PyTorch's memory allocator (tests/bench/pytorch_peer.py)")
    args = parser.parse_args()
    print(f"PyTorch on {pytorch_peer.describe(args.peer_allocator)}")

    common = ["--batch", str(args.batch), "--threads", str(args.threads), "--repeat", str(args.repeat)]
    ours = {key: [] for key in RATES}
    theirs = {key: [] for key in RATES}
    differences = []
    with tempfile.TemporaryDirectory(prefix="lookalike-bench-embed-") as scratch:
        thumbnails = os.path.join(scratch, "thumbnails")
        ours_network, peer_network = ["--network", args.network], []
        if args.network == "mobilenetv2":
            network, reference = os.path.join(scratch, "network.lkckpt"), os.path.join(scratch, "reference.lkckpt")
            ours_network += ["--weights", args.weights, "--write-network", network, "--write-reference", reference]
            peer_network = ["--network", network, "--reference", reference]
        for _ in range(args.rounds):
            command = [args.bench, "--write-thumbnails", thumbnails] + common + ours_network
            command += ["--folder", args.folder] if args.folder else ["--count", str(args.count)]
            lookalike = run(command, pytorch_peer.lookalike_environment())
            peer = run([sys.executable, os.path.join(HERE, "embed_pytorch.py"), "--folder", thumbnails,
                        "--architecture", lookalike["architecture"]] + common + peer_network,
                       pytorch_peer.peer_environment(args.peer_allocator))
            if "max_abs_difference" in peer:
                differences.append(float(peer["max_abs_difference"]))
            for key in RATES:
                ours[key].append(float(lookalike[key]))
                theirs[key].append(float(peer[key]))

    checksums = float(lookalike["preprocess_checksum"]), float(peer["preprocess_checksum"])
    # Same decoder, resize and float arithmetic: only the order of the sum may differ.
    same = abs(checksums[0] - checksums[1]) <= 1e-9 * max(abs(checksums[0]), 1.0) + 1e-3
    print(f"\npreprocessing of the first batch: checksum {checksums[0]:.3f} (lookalike), "
          f"{checksums[1]:.3f} (pytorch): {'the same' if same else 'DIFFERENT'}")
    agree = all(difference <= args.tolerance for difference in differences)
    if differences:
        print(f"embeddings of the first batch: max |pytorch - lookalike| {max(differences):.3g} over all variants "
              f"and rounds: {'within' if agree else 'ABOVE'} the tolerance {args.tolerance:g}")
    print(f"pytorch variant: {peer['variant']}; {args.rounds} round(s), median of {args.repeat} passes each")
    print(f"{'stage':<28}{'lookalike img/s':>17}{'pytorch img/s':>15}{'ratio':>8}")
    labels = {"images_per_second": "thumbnails -> embeddings", "inference_images_per_second": "inference alone",
              "decode_preprocess_images_per_second": "decode + preprocess alone"}
    for key in RATES:
        a, b = statistics.median(ours[key]), statistics.median(theirs[key])
        print(f"{labels[key]:<28}{a:>17.1f}{b:>15.1f}{a / b:>7.2f}x")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end")
    return 0 if same and agree else 1


if __name__ == "__main__":
    sys.exit(main())
