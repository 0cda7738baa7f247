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

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=30)
parser.add_argument("--warmup", type=int, default=5)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--serve", action="store_true")
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(1337)

vocab_size, block_size, batch_size, n_layer, n_head, n_embd = 65, 64, 12, 4, 4, 128


class LayerNorm(nn.Module):
    def __init__(self, ndim):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(ndim))

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, None, 1e-5)


class CausalSelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd, bias=False)
        self.c_proj = nn.Linear(n_embd, n_embd, bias=False)
        self.register_buffer("bias", torch.tril(torch.ones(block_size, block_size)).view(1, 1, block_size, block_size))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(n_embd, dim=2)
        k = k.view(B, T, n_head, C // n_head).transpose(1, 2)
        q = q.view(B, T, n_head, C // n_head).transpose(1, 2)
        v = v.view(B, T, n_head, C // n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = LayerNorm(n_embd)
        self.attn = CausalSelfAttention()
        self.ln_2 = LayerNorm(n_embd)
        self.c_fc = nn.Linear(n_embd, 4 * n_embd, bias=False)
        self.c_proj = nn.Linear(4 * n_embd, n_embd, bias=False)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.c_proj(F.gelu(self.c_fc(self.ln_2(x))))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.h = nn.ModuleList([Block() for _ in range(n_layer)])
        self.ln_f = LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        self.wte.weight = self.lm_head.weight  # tied

    def forward(self, idx, targets):
        pos = torch.arange(0, idx.size(1), dtype=torch.long)
        x = self.wte(idx) + self.wpe(pos)
        for block in self.h:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def time_steps(step):
    for _ in range(args.warmup):
        step()
    started = time.perf_counter()
    for _ in range(args.steps):
        step()
    return (time.perf_counter() - started) * 1000 / args.steps


gpt = GPT()
parameters = [p for p in gpt.parameters() if p.requires_grad]
gpt_optimizer = torch.optim.AdamW(
    [
        {"params": [p for p in parameters if p.dim() >= 2], "weight_decay": 0.1},
        {"params": [p for p in parameters if p.dim() < 2], "weight_decay": 0.0},
    ],
    lr=1e-3,
    betas=(0.9, 0.99),
)


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
