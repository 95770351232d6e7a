#!/usr/bin/python3
"""PyTorch twin of nn::Network's default architecture, for the speed comparison only.

Run:  OMP_NUM_THREADS=2 /usr/bin/python3 torch_reference.py [--size 96] [--batch 64] [--threads 2]
Prints images/s for a full training step (forward, triplet loss, backward, AdamW step) and
for inference (eval mode, no grad). The layer sequence mirrors core/nn/topology.cpp.
"""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False),
                                          nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        s = x if self.shortcut is None else self.shortcut(x)
        return F.relu(y + s)


class EmbeddingNet(nn.Module):
    def __init__(self, in_channels=3, size=96, width=32, blocks=(1, 1, 1, 1), dim=128):
        super().__init__()
        big = size >= 64
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, width, 3, 2 if big else 1, 1, bias=False),
            nn.BatchNorm2d(width), nn.ReLU(inplace=True))
        self.pool = nn.MaxPool2d(3, 2, 1) if big else nn.Identity()
        layers, cin = [], width
        for s, n in enumerate(blocks):
            cout = width << s
            for b in range(n):
                layers.append(BasicBlock(cin, cout, 2 if (s > 0 and b == 0) else 1))
                cin = cout
        self.stages = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, dim)

    def forward(self, x):
        x = self.stages(self.pool(self.stem(x)))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return F.normalize(self.fc(x), dim=1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--size", type=int, default=96)
    p.add_argument("--channels", type=int, default=3)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=20)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    net = EmbeddingNet(a.channels, a.size)
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-4)
    x = torch.randn(a.batch, a.channels, a.size, a.size)
    third = a.batch // 3

    def train_step():
        e = net(x)
        an, po, ne = e[:third], e[third:2 * third], e[2 * third:3 * third]
        loss = F.relu((an - po).pow(2).sum(1) - (an - ne).pow(2).sum(1) + 0.2).mean()
        opt.zero_grad(set_to_none=False)
        loss.backward()
        opt.step()

    net.train()
    for _ in range(3):
        train_step()
    t = time.perf_counter()
    for _ in range(a.steps):
        train_step()
    train = a.steps * a.batch / (time.perf_counter() - t)

    net.eval()
    with torch.no_grad():
        for _ in range(3):
            net(x)
        t = time.perf_counter()
        for _ in range(a.steps * 2):
            net(x)
        infer = a.steps * 2 * a.batch / (time.perf_counter() - t)
    print(f"torch {torch.__version__} size={a.size} batch={a.batch} threads={a.threads}: "
          f"train {train:.1f} img/s, infer {infer:.1f} img/s")


if __name__ == "__main__":
    main()
