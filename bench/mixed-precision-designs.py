"""Which bf16 design for @tessera/backend-torch, measured on PyTorch's own ATen (the library the
backend calls), so the comparison leaves Tessera's overheads out:

- "products": the nanoGPT-baby step's matrix products (768x128 . 128x512-style linear layers, the
  per-head attention products) in fp32, in bf16 on bf16 operands, and in bf16 with the casts a
  kernel of design (b) pays: fp32 operands cast to bf16, the product, the output cast back.
- "step": the whole nanoGPT-baby training step (nanogpt_model.py; batch 12, AdamW, clip 1.0) in
  fp32; under torch.autocast('cpu', dtype=torch.bfloat16), where activations leave a product in
  bf16 and flow on in bf16 until a fp32 operator (the storage design (a) of issue 23); and with
  every linear layer and attention product computing in bf16 from fp32 operands and returning fp32,
  everything between them fp32 (design (b): fp32 at every kernel boundary).

Usage: /usr/bin/python3 bench/mixed-precision-designs.py [--threads 1] [--rounds 3] [--steps 10]
Prints JSON and writes bench/results/mixed-precision-designs.json.
"""

import argparse
import json
import math
import os
import statistics
import time

import torch
import torch.nn.functional as F

from nanogpt_model import GPT, adamw, block_size, n_embd, n_head, set_threads

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--steps", type=int, default=10)
parser.add_argument("--repeats", type=int, default=100)
args = parser.parse_args()
blas_threads = set_threads(args.threads)
torch.manual_seed(1337)
bf16 = torch.bfloat16


def microseconds(function, repeats=args.repeats):
    for _ in range(10):
        function()
    started = time.perf_counter()
    for _ in range(repeats):
        function()
    return (time.perf_counter() - started) * 1e6 / repeats


# The step's products: [rows, in] . [in, out] for the linear layers (rows = 12 x 64 = 768), and
# [batch, heads, time, size] . [batch, heads, size, time] for attention.
product_shapes = {
    "768x128.128x384 (qkv)": ((768, 128), (128, 384)),
    "768x128.128x512 (mlp up)": ((768, 128), (128, 512)),
    "768x512.512x128 (mlp down)": ((768, 512), (512, 128)),
    "768x128.128x65 (head)": ((768, 128), (128, 65)),
    "attention 48x64x32.32x64": ((12, 4, 64, 32), (12, 4, 32, 64)),
}


def product_times():
    results = {}
    for name, (left_shape, right_shape) in product_shapes.items():
        left, right = torch.randn(left_shape), torch.randn(right_shape)
        left16, right16 = left.to(bf16), right.to(bf16)
        flops = 2 * math.prod(left_shape) * right_shape[-1]
        times = {
            "fp32": microseconds(lambda: torch.matmul(left, right)),
            "bf16 operands": microseconds(lambda: torch.matmul(left16, right16)),
            "bf16 with casts (b)": microseconds(lambda: torch.matmul(left.to(bf16), right.to(bf16)).float()),
        }
        results[name] = {
            "microseconds": {key: round(value, 1) for key, value in times.items()},
            "gflops": {key: round(flops / value / 1e3, 1) for key, value in times.items()},
        }
    return results


# Design (b): each product casts its fp32 operands, computes in bf16, returns fp32.
def cast_linear(module, x):
    return F.linear(x.to(bf16), module.weight.to(bf16)).float()


def cast_attention_forward(self, x):
    B, T, C = x.size()
    q, k, v = cast_linear(self.c_attn, x).split(n_embd, dim=2)
    k = k.view(B, T, n_head, C // n_head).transpose(1, 2)
    q = q.view(B, T, n_head, C // n_head).transpose(1, 2)
    v = v.view(B, T, n_head, C // n_head).transpose(1, 2)
    att = torch.matmul(q.to(bf16), k.transpose(-2, -1).to(bf16)).float() * (1.0 / math.sqrt(k.size(-1)))
    att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
    att = F.softmax(att, dim=-1)  # fp32
    y = torch.matmul(att.to(bf16), v.to(bf16)).float().transpose(1, 2).contiguous().view(B, T, C)
    return cast_linear(self.c_proj, y)


def cast_block_forward(self, x):
    x = x + self.attn(self.ln_1(x))
    return x + cast_linear(self.c_proj, F.gelu(cast_linear(self.c_fc, self.ln_2(x))))


def cast_gpt_forward(self, idx, targets):
    pos = torch.arange(0, idx.size(1), dtype=torch.long)
    x = self.wte(idx) + self.wpe(pos)
    for block in self.h:
        x = block(x)
    logits = cast_linear(self.lm_head, self.ln_f(x))
    return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def make_step(design):
    torch.manual_seed(1337)
    model = GPT(65)
    if design == "bf16 kernel casts (b)":
        for block in model.h:
            block.attn.forward = cast_attention_forward.__get__(block.attn)
            block.forward = cast_block_forward.__get__(block)
        model.forward = cast_gpt_forward.__get__(model)
    optimizer = adamw(model)
    batches = [torch.randint(65, (12, block_size)) for _ in range(8)]
    count = [0]

    def step():
        x, y = batches[(2 * count[0]) % 8], batches[(2 * count[0] + 1) % 8]
        count[0] += 1
        if design == "bf16 autocast (a)":
            with torch.autocast("cpu", dtype=bf16):
                loss = model(x, y)
        else:
            loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        return loss.item()

    return step


designs = ["fp32", "bf16 autocast (a)", "bf16 kernel casts (b)"]
steps = {design: make_step(design) for design in designs}
samples = {design: [] for design in designs}
product_rounds = []
for round_index in range(args.rounds):
    product_rounds.append(product_times())
    for design in designs:
        step = steps[design]
        for _ in range(2):
            step()
        started = time.perf_counter()
        for _ in range(args.steps):
            step()
        samples[design].append(round((time.perf_counter() - started) * 1000 / args.steps, 2))

median_round = sorted(range(args.rounds), key=lambda index: product_rounds[index]["768x128.128x512 (mlp up)"]["microseconds"]["fp32"])[args.rounds // 2]
report = {
    "benchmark": "mixed-precision-designs",
    "torchVersion": torch.__version__,
    "threads": torch.get_num_threads(),
    "blasThreads": blas_threads,
    "rounds": args.rounds,
    "steps": args.steps,
    "loadAverage": os.getloadavg()[0],
    "products": product_rounds[median_round],
    "stepMilliseconds": {design: statistics.median(times) for design, times in samples.items()},
    "stepSamples": samples,
}
here = os.path.dirname(os.path.abspath(__file__))
os.makedirs(os.path.join(here, "results"), exist_ok=True)
with open(os.path.join(here, "results", "mixed-precision-designs.json"), "w") as file:
    file.write(json.dumps(report, indent=2) + "\n")
print(json.dumps(report, indent=2))
