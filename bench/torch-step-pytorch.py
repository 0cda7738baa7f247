# PyTorch reference step times for bench/torch-step.mjs: nanoGPT's baby GPT training step (the
# model of bench/gpt-shakespeare-pytorch.py: 4 layers, 4 heads, 128 dims, block 64, batch 12,
# AdamW betas 0.9/0.99, weight decay 0.1, clip 1.0) and an MNIST-shaped CNN step (conv 32 -> pool
# -> conv 64 -> pool -> 128 -> 10, batch 64, Adam), on random data: step time does not depend on it.
# --threads sets PyTorch's and OpenBLAS's thread counts (nanogpt_model.set_threads).
# --precision bf16 runs each step's forward under torch.autocast('cpu', dtype=torch.bfloat16),
# PyTorch's CPU mixed precision (products and convolutions in bf16; weights, gradients and
# optimizer state fp32).
# Usage: python3 bench/torch-step-pytorch.py [--steps 30] [--warmup 5] [--threads 2] [--precision fp32|bf16]
# Prints one JSON line: {"gptMillisecondsPerStep": ..., "cnnMillisecondsPerStep": ..., ...}
# With --serve it reads lines "gpt" / "cnn" (optionally followed by " bf16" or " fp32") on stdin
# and answers each with one JSON line {"millisecondsPerStep": ..., "precision": ...} (warmup +
# steps as given): bench/torch-step.mjs interleaves these with its own measurements, so both sides
# see the same machine load.
import argparse
import contextlib
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from nanogpt_model import GPT, adamw, block_size, set_threads

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=30)
parser.add_argument("--warmup", type=int, default=5)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--serve", action="store_true")
parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
args = parser.parse_args()
precision = args.precision


def autocast():
    """The forward pass's precision scope: bf16 autocast, or nothing for fp32."""
    if precision == "bf16":
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()

blas_threads = set_threads(args.threads)
torch.manual_seed(1337)

vocab_size, batch_size = 65, 12


def time_steps(step):
    for _ in range(args.warmup):
        step()
    started = time.perf_counter()
    for _ in range(args.steps):
        step()
    return (time.perf_counter() - started) * 1000 / args.steps


gpt = GPT(vocab_size)
gpt_optimizer = adamw(gpt)


# Batches drawn before timing and cycled, as bench/step-workloads.mjs does.
batches = 4
gpt_batches = [torch.randint(vocab_size, (batch_size, block_size)) for _ in range(2 * batches)]
gpt_steps = 0


def gpt_step():
    global gpt_steps
    x, y = gpt_batches[(2 * gpt_steps) % len(gpt_batches)], gpt_batches[(2 * gpt_steps + 1) % len(gpt_batches)]
    gpt_steps += 1
    with autocast():
        loss = gpt(x, y)
    gpt_optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(gpt.parameters(), 1.0)
    gpt_optimizer.step()
    loss.item()


cnn = nn.Sequential(
    nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # [batch, 32, 14, 14]
    nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # [batch, 64, 7, 7]
    nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10),
)
cnn_optimizer = torch.optim.Adam(cnn.parameters(), lr=1e-3)


cnn_batches = [(torch.rand(64, 1, 28, 28), torch.randint(10, (64,))) for _ in range(batches)]
cnn_steps = 0


def cnn_step():
    global cnn_steps
    images, labels = cnn_batches[cnn_steps % batches]
    cnn_steps += 1
    with autocast():
        loss = F.cross_entropy(cnn(images), labels)
    cnn_optimizer.zero_grad(set_to_none=True)
    loss.backward()
    cnn_optimizer.step()
    loss.item()


if args.serve:
    import sys

    info = {"torchVersion": torch.__version__, "threads": torch.get_num_threads(), "blasThreads": blas_threads}
    print(json.dumps(info), flush=True)
    for line in sys.stdin:
        workload, *rest = line.split()
        precision = rest[0] if rest else args.precision
        step = {"gpt": gpt_step, "cnn": cnn_step}[workload]
        print(json.dumps({"millisecondsPerStep": round(time_steps(step), 2), "precision": precision}), flush=True)
    sys.exit(0)

print(
    json.dumps(
        {
            "torchVersion": torch.__version__,
            "threads": torch.get_num_threads(),
            "blasThreads": blas_threads,
            "precision": precision,
            "gptMillisecondsPerStep": round(time_steps(gpt_step), 2),
            "cnnMillisecondsPerStep": round(time_steps(cnn_step), 2),
        }
    )
)
