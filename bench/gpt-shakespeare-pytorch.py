"""The PyTorch side of bench/gpt-shakespeare.mjs: nanoGPT's model.py and train.py loop, reduced to
the baby-GPT configuration (4 layers, 4 heads, 128 dims, block 64, bias False, no dropout; batch 12,
2,000 iterations, AdamW lr 1e-3 with 100 warmup steps and cosine decay to 1e-4, weight decay 0.1 on
>= 2-D parameters, betas 0.9/0.99, clip 1.0), with the validation loss taken over the WHOLE
validation split in non-overlapping windows, as the Tessera benchmark does.

Needs Debian's python3-torch (and libopenblas0-pthread for a fast matmul):
    apt-get install -y python3-torch libopenblas0-pthread
Usage: /usr/bin/python3 bench/gpt-shakespeare-pytorch.py [--iterations 2000] [--seed 1337] [--threads 2]
Prints JSON and writes bench/results/gpt-shakespeare-pytorch[-seed-N].json.
"""

import argparse
import json
import math
import os
import time

import torch

from nanogpt_model import GPT, adamw, block_size, set_threads

parser = argparse.ArgumentParser()
parser.add_argument("--iterations", type=int, default=2000)
parser.add_argument("--seed", type=int, default=1337)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--estimate-draws", type=int, default=200)
args = parser.parse_args()
torch.manual_seed(args.seed)
blas_threads = set_threads(args.threads)

here = os.path.dirname(os.path.abspath(__file__))
text = open(os.path.join(here, "../../shared/data/tinyshakespeare/input.txt"), encoding="utf-8").read()
characters = sorted(set(text))
index = {c: i for i, c in enumerate(characters)}
data = torch.tensor([index[c] for c in text], dtype=torch.long)
split = int(0.9 * len(data))
train, validation = data[:split], data[split:]

batch_size = 12


model = GPT(len(characters))
optimizer = adamw(model)


def learning_rate(it, warmup=100, decay_iters=2000, peak=1e-3, minimum=1e-4):
    if it < warmup:
        return peak * (it + 1) / (warmup + 1)
    if it > decay_iters:
        return minimum
    ratio = (it - warmup) / (decay_iters - warmup)
    return minimum + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (peak - minimum)


def batch():
    ix = torch.randint(len(train) - block_size, (batch_size,))
    return torch.stack([train[i : i + block_size] for i in ix]), torch.stack([train[i + 1 : i + 1 + block_size] for i in ix])


started = time.time()
for it in range(args.iterations):
    for group in optimizer.param_groups:
        group["lr"] = learning_rate(it)
    x, y = batch()
    loss = model(x, y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
training_seconds = time.time() - started

model.eval()
with torch.no_grad():
    windows = (len(validation) - 1) // block_size
    total, count = 0.0, 0
    for start in range(0, windows, 64):
        rows = range(start, min(start + 64, windows))
        x = torch.stack([validation[r * block_size : (r + 1) * block_size] for r in rows])
        y = torch.stack([validation[r * block_size + 1 : (r + 1) * block_size + 1] for r in rows])
        total += model(x, y).item() * len(rows)
        count += len(rows)

    # nanoGPT's own figure is estimate_loss(): the mean over eval_iters=20 random batches of 12
    # windows. Draw that estimate many times to show how far it strays from the whole-split loss.
    generator = torch.Generator().manual_seed(args.seed)
    estimates = []
    for _ in range(args.estimate_draws):
        losses = []
        for _ in range(20):
            ix = torch.randint(len(validation) - block_size, (batch_size,), generator=generator)
            x = torch.stack([validation[i : i + block_size] for i in ix])
            y = torch.stack([validation[i + 1 : i + 1 + block_size] for i in ix])
            losses.append(model(x, y).item())
        estimates.append(sum(losses) / len(losses))
    estimates_tensor = torch.tensor(estimates)

report = {
    "benchmark": "gpt-shakespeare-pytorch",
    "torch": torch.__version__,
    "threads": args.threads,
    "iterations": args.iterations,
    "seed": args.seed,
    "parameters": sum(p.numel() for p in model.parameters()),
    "millisecondsPerStep": round(training_seconds * 1000 / args.iterations),
    "trainingSeconds": round(training_seconds),
    "validationLoss": round(total / count, 4),
    "nanoGPTEstimate": {
        "draws": args.estimate_draws,
        "mean": round(estimates_tensor.mean().item(), 4),
        "standardDeviation": round(estimates_tensor.std().item(), 4),
        "minimum": round(estimates_tensor.min().item(), 4),
        "maximum": round(estimates_tensor.max().item(), 4),
    },
}
os.makedirs(os.path.join(here, "results"), exist_ok=True)
suffix = "" if args.seed == 1337 else f"-seed-{args.seed}"
with open(os.path.join(here, "results", f"gpt-shakespeare-pytorch{suffix}.json"), "w") as f:
    json.dump(report, f, indent=2)
print(json.dumps(report, indent=2))
