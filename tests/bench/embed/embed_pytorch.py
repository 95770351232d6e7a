#!/usr/bin/env python3
"""The PyTorch peer of bench_embed: stored thumbnails -> embeddings with PyTorch CPU.

Reads the JPEG thumbnails bench_embed wrote (--write-thumbnails) into memory, then does what the
app does to embed a catalog, with the same network (EmbeddingNet from
tests/bench/train/compare_pytorch.py, built from bench_embed's `architecture:` line):
decode each JPEG with OpenCV (python3-opencv, the same OpenCV as the app), pad to a square on
white, resize to the input size (INTER_AREA when shrinking), BGR -> RGB planes scaled to [-1, 1]
(training/image_tensor.cpp), and run the network in batches on --threads threads, eval mode,
no autograd (torch.inference_mode). Decoding and preprocessing run on a pool of --threads
Python threads (OpenCV and NumPy release the GIL), as bench_embed decodes on its threads.

Inference alone is timed for three ways of running the model, the fair best effort:
  eager          model(x), NCHW;
  channels_last  the model and input in torch.channels_last (NHWC, what oneDNN prefers);
  jit            torch.jit.trace + torch.jit.freeze + torch.jit.optimize_for_inference, which
                 folds BatchNorm into the convolutions and fuses ReLU, as InferenceNetwork does.
The whole path then uses the fastest of them. Medians of --repeat passes after a warm-up pass.

With --network (bench_embed --write-network: a MobileNetV2 checkpoint, backbone and head) the
model is MobileNetV2Embedder (mobilenetv2_pytorch.py) with those weights and its BatchNorms
folded into the convolutions; with --reference (bench_embed --write-reference) every variant
embeds the reference images and `max_abs_difference:` is the largest difference from
Lookalike's embeddings over all of them.

Usage: /usr/bin/python3 tests/bench/embed/embed_pytorch.py --folder DIR \
           --architecture "lookalike-resnet/1 in_channels=3 input_size=96 ..." \
           [--batch 64] [--threads 2] [--repeat 3] [--network FILE.lkckpt --reference FILE]
"""
import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "train"))
from compare_pytorch import EmbeddingNet, parse_architecture  # noqa: E402
from mobilenetv2_pytorch import MobileNetV2Embedder, parse_settings, read_tensor_file  # noqa: E402

SCALE = np.float32(2.0 / 255.0)


def pad_to_square_on_white(image):
    """training::padToSquareOnWhite: centred, the same offsets."""
    rows, cols = image.shape[:2]
    if rows == cols:
        return image
    side = max(rows, cols)
    top, left = (side - rows) // 2, (side - cols) // 2
    return cv2.copyMakeBorder(image, top, side - rows - top, left, side - cols - left,
                              cv2.BORDER_CONSTANT, value=(255, 255, 255))


def thumbnail_to_tensor(jpeg, size):
    """JPEG bytes -> float32 [3, size, size], RGB planes in [-1, 1] (training::imageToTensor)."""
    image = cv2.imdecode(np.frombuffer(jpeg, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError("a thumbnail does not decode")
    square = pad_to_square_on_white(image)
    if square.shape[0] != size:
        interpolation = cv2.INTER_AREA if square.shape[0] > size else cv2.INTER_LINEAR
        square = cv2.resize(square, (size, size), interpolation=interpolation)
    rgb_planes = square[:, :, ::-1].transpose(2, 0, 1)
    return rgb_planes.astype(np.float32) * SCALE - np.float32(1.0)


def median_seconds(repeat, run):
    run()  # warm-up: thread pools, oneDNN primitives, the JIT's profiling runs
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def model_factory(architecture, network):
    """-> (a function making the model in eval mode, in_channels, input size)."""
    if network:
        stored_architecture, tensors = read_tensor_file(network)
        if stored_architecture != architecture:
            raise SystemExit(f"embed_pytorch: {network} holds {stored_architecture}, not {architecture}")
        settings = parse_settings(architecture)
        return (lambda: MobileNetV2Embedder(architecture, tensors).eval(), int(settings["in_channels"]),
                int(settings["input_size"]))
    arch = parse_architecture(architecture)
    torch.manual_seed(0)
    weights = EmbeddingNet(arch).state_dict()

    def make():
        model = EmbeddingNet(arch).eval()
        model.load_state_dict(weights)
        return model
    return make, arch["in_channels"], arch["input_size"]


def make_models(make, in_channels, size, batch):
    """name -> (callable on an NCHW float tensor, input converter)."""
    model = make()
    models = {"eager": (model, lambda x: x)}

    last = make().to(memory_format=torch.channels_last)
    models["channels_last"] = (last, lambda x: x.contiguous(memory_format=torch.channels_last))

    with torch.inference_mode(False), torch.no_grad():
        example = torch.zeros(batch, in_channels, size, size)
        traced = torch.jit.trace(model, example)
        frozen = torch.jit.optimize_for_inference(torch.jit.freeze(traced))
    models["jit"] = (frozen, lambda x: x)
    return models


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", required=True, help="the thumbnails bench_embed wrote")
    parser.add_argument("--architecture", required=True, help="bench_embed's architecture: line")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--network", help="bench_embed --write-network's checkpoint (MobileNetV2)")
    parser.add_argument("--reference", help="bench_embed --write-reference's images and embeddings")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    make, in_channels, size = model_factory(args.architecture, args.network)
    names = sorted(name for name in os.listdir(args.folder) if name.endswith(".jpg"))
    thumbnails = []
    for name in names:
        with open(os.path.join(args.folder, name), "rb") as file:
            thumbnails.append(file.read())
    count = len(thumbnails)
    print(f"embed_pytorch: torch {torch.__version__}, OpenCV {cv2.__version__}, {count} thumbnails, "
          f"batch {args.batch}, {args.threads} threads, median of {args.repeat} passes after a warm-up")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at start")

    pool = ThreadPoolExecutor(max_workers=args.threads)
    to_tensor = lambda jpeg: thumbnail_to_tensor(jpeg, size)  # noqa: E731

    # decode + preprocess alone, into the tensors inference alone then reuses
    tensors = None

    def decode_all():
        nonlocal tensors
        tensors = torch.from_numpy(np.stack(list(pool.map(to_tensor, thumbnails))))

    decode_seconds = median_seconds(args.repeat, decode_all)
    first_batch = tensors[:args.batch].double().flatten()
    checksum = float((first_batch * (torch.arange(len(first_batch)) % 97 + 1)).sum())  # as bench_embed

    models = make_models(make, in_channels, size, args.batch)
    inference = {}
    with torch.inference_mode():
        if args.reference:
            _, reference = read_tensor_file(args.reference)
            images = torch.from_numpy(reference["reference.images"])
            expected = torch.from_numpy(reference["reference.embeddings"])
            differences = {name: float((model(convert(images)) - expected).abs().max())
                           for name, (model, convert) in models.items()}
            for name, difference in differences.items():
                print(f"max |pytorch - lookalike| over the reference batch, {name:<14} {difference:.3g}")
        for name, (model, convert) in models.items():
            def infer_all(model=model, convert=convert):
                for first in range(0, count, args.batch):
                    model(convert(tensors[first:first + args.batch]))
            inference[name] = count / median_seconds(args.repeat, infer_all)
            print(f"inference alone, {name:<14} {inference[name]:8.1f} images/s")
    best = max(inference, key=inference.get)
    model, convert = models[best]

    # The whole path, batch by batch: decode and preprocess on the pool, then the network.
    def pipeline():
        for first in range(0, count, args.batch):
            batch = np.stack(list(pool.map(to_tensor, thumbnails[first:first + args.batch])))
            embeddings = model(convert(torch.from_numpy(batch)))
            embeddings.numpy()

    with torch.inference_mode():
        pipeline_seconds = median_seconds(args.repeat, pipeline)
    pool.shutdown()

    print(f"\nload average {' '.join(f'{x:.2f}' for x in os.getloadavg())} after the passes")
    print(f"variant: {best}")
    if args.reference:
        print(f"max_abs_difference: {max(differences.values()):.3g}")
    print(f"preprocess_checksum: {checksum:.3f}")
    print(f"decode_preprocess_images_per_second: {count / decode_seconds:.1f}")
    print(f"inference_images_per_second: {inference[best]:.1f}")
    print(f"images_per_second: {count / pipeline_seconds:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
