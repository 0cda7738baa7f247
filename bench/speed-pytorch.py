"""The PyTorch side of bench/speed-compare.mjs: the same three training workloads as
bench/speed-workloads.mjs, timed the same way (median ms per step after a warm-up step).

- gpt: nanoGPT's nanogpt-baby (model.py as in bench/gpt-shakespeare-pytorch.py: 4 layers, 4 heads,
  128 dims, block 64, no bias, no dropout), batch 12, AdamW (decay 0.1 on >= 2-D, betas 0.9/0.99),
  clip_grad_norm_ 1.0;
- cnn: the MNIST CNN of bench/vision-mnist-cnn.mjs (conv 32@3x3, pool, conv 64@3x3, pool, dense
  128, dropout 0.5, dense 10), batch 64, Adam 2e-3;
- matrix-factorization: biased MF (32 factors) as @tessera/recsys's MatrixFactorization, one
  epoch over MovieLens 100K u1.base at batch 512, Adam 1e-3, mean squared error.

Needs Debian's python3-torch and libopenblas0-pthread (bench/setup-pytorch.sh installs both).
Usage: /usr/bin/python3 bench/speed-pytorch.py [--threads 2] [--steps 10] [--workloads gpt,cnn,matrix-factorization]
Prints one JSON object on stdout.
"""

import argparse
import json
import math
import os
import time

import torch
import torch.nn as nn
from torch.nn import functional as F

from nanogpt_model import GPT, adamw, block_size, set_threads

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--steps", type=int, default=10)
parser.add_argument("--workloads", default="gpt,cnn,matrix-factorization")
args = parser.parse_args()
blas_threads = set_threads(args.threads)
torch.manual_seed(1337)
here = os.path.dirname(os.path.abspath(__file__))
data = os.path.join(here, "../../shared/data")



def gpt_workload(batch_size=12):
    text = open(os.path.join(data, "tinyshakespeare/input.txt"), encoding="utf-8").read()
    characters = sorted(set(text))
    index = {c: i for i, c in enumerate(characters)}
    tokens = torch.tensor([index[c] for c in text[:200000]], dtype=torch.long)
    model = GPT(len(characters))
    optimizer = adamw(model)
    starts = torch.randint(len(tokens) - block_size - 1, (batch_size,))
    x = torch.stack([tokens[i : i + block_size] for i in starts])
    y = torch.stack([tokens[i + 1 : i + 1 + block_size] for i in starts])

    def step():
        loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        return loss.item()

    return step, "tokens", batch_size * block_size


def cnn_workload(batch_size=64):
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(5 * 5 * 64, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10),
    )  # fmt: skip
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    images = torch.rand(batch_size, 1, 28, 28)
    labels = torch.randint(10, (batch_size,))

    def step():
        loss = F.cross_entropy(model(images), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step, "images", batch_size


class MatrixFactorization(nn.Module):
    def __init__(self, users, items, factors, mean):
        super().__init__()
        self.user_factors = nn.Embedding(users, factors)
        self.item_factors = nn.Embedding(items, factors)
        self.user_biases = nn.Embedding(users, 1)
        self.item_biases = nn.Embedding(items, 1)
        nn.init.normal_(self.user_factors.weight, std=0.1)
        nn.init.normal_(self.item_factors.weight, std=0.1)
        nn.init.zeros_(self.user_biases.weight)
        nn.init.zeros_(self.item_biases.weight)
        self.global_bias = nn.Parameter(torch.tensor(mean))

    def forward(self, users, items):
        interaction = (self.user_factors(users) * self.item_factors(items)).sum(1)
        biases = self.user_biases(users).view(-1) + self.item_biases(items).view(-1)
        return interaction + biases + self.global_bias


def matrix_factorization_workload(batch_size=512):
    rows = [line.split("\t") for line in open(os.path.join(data, "ml-100k/u1.base")).read().strip().split("\n")]
    users = torch.tensor([int(r[0]) - 1 for r in rows])
    items = torch.tensor([int(r[1]) - 1 for r in rows])
    ratings = torch.tensor([float(r[2]) for r in rows])
    model = MatrixFactorization(943, 1682, 32, ratings.mean().item())
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    batches = [
        (users[s : s + batch_size], items[s : s + batch_size], ratings[s : s + batch_size])
        for s in range(0, len(rows), batch_size)
    ]

    def epoch():
        for u, i, r in batches:
            loss = F.mse_loss(model(u, i), r)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        return loss.item()

    return epoch, "ratings", len(rows)


builders = {"gpt": gpt_workload, "cnn": cnn_workload, "matrix-factorization": matrix_factorization_workload}
results = {}
for name in args.workloads.split(","):
    step, item_name, items_per_step = builders[name]()
    step_count = max(1, math.ceil(args.steps / 5)) if name == "matrix-factorization" else args.steps
    step()  # warm up
    times = []
    for _ in range(step_count):
        started = time.perf_counter()
        loss = step()
        times.append((time.perf_counter() - started) * 1000)
    milliseconds = sorted(times)[len(times) // 2]
    results[name] = {
        "steps": step_count,
        "millisecondsPerStep": round(milliseconds, 1),
        "meanMillisecondsPerStep": round(sum(times) / len(times), 1),
        f"{item_name}PerSecond": round(items_per_step * 1000 / milliseconds),
        "loss": round(loss, 4),
    }
print(json.dumps({"runtime": "pytorch", "backend": f"cpu, {args.threads} thread{'s' if args.threads > 1 else ''}",
                  "torch": torch.__version__, "results": results}))  # fmt: skip
