# PyTorch reference step times for bench/torch-step.mjs: nanoGPT's baby GPT training step (the
# model of bench/gpt-shakespeare-pytorch.py: 4 layers, 4 heads, 128 dims, block 64, batch 12,
# AdamW betas 0.9/0.99, weight decay 0.1, clip 1.0) and an MNIST-shaped CNN step (conv 32 -> pool
# -> conv 64 -> pool -> 128 -> 10, batch 64, Adam), on random data: step time does not depend on it.
# Usage: python3 bench/torch-step-pytorch.py [--steps 30] [--warmup 5] [--threads 2]
# Prints one JSON line: {"gptMillisecondsPerStep": ..., "cnnMillisecondsPerStep": ..., ...}
# With --serve it reads lines "gpt" / "cnn" on stdin and answers each with one JSON line
# {"millisecondsPerStep": ...} (warmup + steps as given): bench/torch-step.mjs interleaves these
# with its own measurements, so both sides see the same machine load.
import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from nanogpt_model import GPT, adamw, block_size

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=30)
parser.add_argument("--warmup", type=int, default=5)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--serve", action="store_true")
args = parser.parse_args()
torch.set_num_threads(args.threads)
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


def gpt_step():
    x = torch.randint(vocab_size, (batch_size, block_size))
    y = torch.randint(vocab_size, (batch_size, block_size))
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


def cnn_step():
    images = torch.rand(64, 1, 28, 28)
    labels = torch.randint(10, (64,))
    loss = F.cross_entropy(cnn(images), labels)
    cnn_optimizer.zero_grad(set_to_none=True)
    loss.backward()
    cnn_optimizer.step()
    loss.item()


if args.serve:
    import sys

    print(json.dumps({"torchVersion": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        step = {"gpt": gpt_step, "cnn": cnn_step}[line.strip()]
        print(json.dumps({"millisecondsPerStep": round(time_steps(step), 2)}), flush=True)
    sys.exit(0)

print(
    json.dumps(
        {
            "torchVersion": torch.__version__,
            "threads": torch.get_num_threads(),
            "gptMillisecondsPerStep": round(time_steps(gpt_step), 2),
            "cnnMillisecondsPerStep": round(time_steps(cnn_step), 2),
        }
    )
)
