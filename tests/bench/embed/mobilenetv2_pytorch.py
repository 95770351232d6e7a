"""Lookalike's MobileNetV2 embedder in PyTorch, for embed_pytorch.py and tests/bench/train.

read_tensor_file() reads Lookalike's tensor container (core/nn/checkpoint.cpp: "LKNNCKPT", u32
version, u64 length, u32 + architecture bytes, u32 count, per tensor u32 + name, u32 rank,
rank x u64 dims, f32 data; u64 FNV-1a at the end). MobileNetV2Embedder builds the network of
core/nn/topology.h from such a checkpoint (bench_embed --write-network: backbone and head) with
every BatchNorm folded into its convolution, as PyTorch users deploy for inference (fold=False
keeps them separate, for fine-tuning in tests/bench/train/compare_pytorch.py):
Conv1 3x3/2 (Keras' correct_pad: (0, 1) for even sizes) + ReLU6; expanded_conv (depthwise,
project); block_N expand 1x1 + ReLU6, depthwise 3x3 (stride 2 padded like Conv1) + ReLU6,
project 1x1, + input when stride 1 and same channels; cut after `cut`; head: grid x grid cell
means (feature c * grid * grid + row * grid + column), linear, L2 normalisation.
"""
import struct

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

MAGIC = b"LKNNCKPT"
# Keras MobileNetV2 alpha 1.0 after expanded_conv: (expansion, channels, repeats, first stride).
SCHEDULE = ((6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))
BN_EPSILON = 1e-3


def read_tensor_file(path):
    """-> (architecture string, {name: float32 ndarray}) of a Lookalike checkpoint file."""
    with open(path, "rb") as file:
        data = file.read()
    if data[:8] != MAGIC:
        raise ValueError(f"{path}: not a Lookalike checkpoint")
    offset = 8
    _version, length = struct.unpack_from("<IQ", data, offset)
    offset += 12
    if length + 28 != len(data):
        raise ValueError(f"{path}: truncated or followed by other data")

    def take(fmt):
        nonlocal offset
        values = struct.unpack_from(fmt, data, offset)
        offset += struct.calcsize(fmt)
        return values

    (size,) = take("<I")
    architecture = data[offset:offset + size].decode()
    offset += size
    tensors = {}
    for _ in range(take("<I")[0]):
        (size,) = take("<I")
        name = data[offset:offset + size].decode()
        offset += size
        (rank,) = take("<I")
        shape = take(f"<{rank}Q")
        count = int(np.prod(shape, dtype=np.int64))
        tensors[name] = np.frombuffer(data, dtype="<f4", count=count, offset=offset).reshape(shape).copy()
        offset += 4 * count
    return architecture, tensors


def parse_settings(architecture):
    """ "lookalike-mobilenetv2/1 in_channels=3 input_size=128 ..." -> {key: value}."""
    name, *settings = architecture.split()
    if not name.startswith("lookalike-mobilenetv2/"):
        raise ValueError(f"not a MobileNetV2 architecture: {architecture}")
    return dict(setting.split("=", 1) for setting in settings)


def folded_conv(tensors, conv, norm, stride, groups):
    """Conv `conv` followed by BN `norm` as one convolution with a bias (folded in float64)."""
    weight = torch.from_numpy(tensors[conv + ".weight"]).double()
    gamma, beta, mean, var = (torch.from_numpy(tensors[f"{norm}.{key}"]).double()
                              for key in ("weight", "bias", "running_mean", "running_var"))
    scale = gamma / torch.sqrt(var + BN_EPSILON)
    out_channels, _, kernel, _ = weight.shape
    layer = nn.Conv2d(weight.shape[1] * groups, out_channels, kernel, stride=stride, groups=groups, bias=True)
    with torch.no_grad():
        layer.weight.copy_((weight * scale[:, None, None, None]).float())
        layer.bias.copy_((beta - mean * scale).float())
    return layer


def conv_and_norm(tensors, conv, norm, stride, groups):
    """Conv `conv` without bias and its BN `norm` as a separate BatchNorm2d, for training."""
    weight = torch.from_numpy(tensors[conv + ".weight"])
    out_channels, _, kernel, _ = weight.shape
    layer = nn.Conv2d(weight.shape[1] * groups, out_channels, kernel, stride=stride, groups=groups, bias=False)
    batch_norm = nn.BatchNorm2d(out_channels, eps=BN_EPSILON)
    with torch.no_grad():
        layer.weight.copy_(weight)
        for key in ("weight", "bias", "running_mean", "running_var"):
            getattr(batch_norm, key).copy_(torch.from_numpy(tensors[f"{norm}.{key}"]))
    return layer, batch_norm


class Unit(nn.Module):
    """Padding, folded conv + BN (fold=False: conv, then BN), optional ReLU6.
    src [N, I, S, S] -> dst [N, O, S', S']."""

    def __init__(self, tensors, conv, norm, size, stride=1, groups=1, relu6=True, fold=True):
        super().__init__()
        if fold:
            self.conv, self.norm = folded_conv(tensors, conv, norm, stride, groups), None
        else:
            self.conv, self.norm = conv_and_norm(tensors, conv, norm, stride, groups)
        kernel = self.conv.kernel_size[0]
        before = 0 if stride == 2 and size % 2 == 0 else kernel // 2
        # Symmetric padding goes into the convolution; only Keras' (0, 1) needs its own F.pad.
        self.padding = (before, kernel // 2, before, kernel // 2) if before != kernel // 2 else (0, 0, 0, 0)
        self.conv.padding = (0, 0) if any(self.padding) else (kernel // 2, kernel // 2)
        self.relu6 = relu6
        self.out_size = (size + before + kernel // 2 - kernel) // stride + 1

    def forward(self, x):
        if any(self.padding):
            x = F.pad(x, self.padding)
        x = self.conv(x)
        if self.norm is not None:
            x = self.norm(x)
        return F.relu6(x, inplace=True) if self.relu6 else x


class InvertedResidual(nn.Module):
    """expand (optional) -> depthwise -> project (+ src); cut after expand: expand only."""

    def __init__(self, units, residual):
        super().__init__()
        self.units = nn.Sequential(*units)
        self.residual = residual

    def forward(self, x):
        y = self.units(x)
        return x + y if self.residual else y


class MobileNetV2Embedder(nn.Module):
    """images [N, 3, S, S] -> embeddings [N, D] of unit norm, from a whole-network checkpoint.
    backbone[0] is the stem, backbone[1 + i] block i (0 = expanded_conv), as Lookalike counts
    blocks for Network::setFrozenBlocks. fold=False keeps every BN separate, for training."""

    def __init__(self, architecture, tensors, fold=True):
        super().__init__()
        settings = parse_settings(architecture)
        cut = settings["cut"]
        self.grid = int(settings["grid"])
        size = int(settings["input_size"])

        def unit(conv, norm, size, **options):
            return Unit(tensors, conv, norm, size, fold=fold, **options)

        stem = unit("Conv1", "bn_Conv1", size, stride=2)
        layers = [stem]
        size, channels = stem.out_size, 32
        units = [unit("expanded_conv_depthwise", "expanded_conv_depthwise_BN", size, groups=channels),
                 unit("expanded_conv_project", "expanded_conv_project_BN", size, relu6=False)]
        layers.append(InvertedResidual(units, residual=False))
        channels = 16
        done = cut == "expanded_conv"
        index = 1
        for expansion, out_channels, repeats, first_stride in SCHEDULE:
            for repeat in range(repeats):
                if done:
                    break
                name = f"block_{index}"
                stride = first_stride if repeat == 0 else 1
                expand = unit(name + "_expand", name + "_expand_BN", size)
                units = [expand]
                if cut != name + "_expand":
                    depthwise = unit(name + "_depthwise", name + "_depthwise_BN", size, stride=stride,
                                     groups=channels * expansion)
                    units += [depthwise,
                              unit(name + "_project", name + "_project_BN", depthwise.out_size, relu6=False)]
                    layers.append(InvertedResidual(units, residual=stride == 1 and channels == out_channels))
                    size, channels = depthwise.out_size, out_channels
                else:
                    layers.append(InvertedResidual(units, residual=False))
                    channels *= expansion
                done = cut in (name, name + "_expand")
                index += 1
        if not done:
            raise ValueError(f"unknown cut {cut}")
        self.backbone = nn.Sequential(*layers)
        self.linear = nn.Linear(channels * self.grid * self.grid, int(settings["embedding_dim"]))
        with torch.no_grad():
            self.linear.weight.copy_(torch.from_numpy(tensors["head.linear.weight"]))
            self.linear.bias.copy_(torch.from_numpy(tensors["head.linear.bias"]))

    def head(self, features):
        """features [N, C, H, W] of the backbone -> embeddings [N, D]."""
        cells = F.adaptive_avg_pool2d(features, self.grid)  # [N, C, grid, grid]
        return F.normalize(self.linear(cells.flatten(1)), dim=1)

    def forward(self, x):
        return self.head(self.backbone(x))
