"""Can the trainer's model learn to copy? A toy induction task on the demo architecture (model.py).

Each row: random filler, a marker, L random tokens, more random filler (random length, so that no fixed
offset solves it), a second marker, then the same L tokens again; the loss covers only the repeat. The
first half of the repeat can only be predicted by finding the marker's copy and reading what follows
it, which is the induction circuit that copying tool arguments from a prompt needs.

    /usr/bin/python3 training/demo/probes/induction.py --vocab 200 --lr 1e-3 --steps 1500

Prints loss and argmax accuracy on the repeated tokens every 50 steps (1 thread, ~0.3 s/step).
"""
import argparse
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from model import Transformer  # noqa: E402
from train import DEMO_CONFIG  # noqa: E402


def batch(g, vocab, rows, length, span):
    xs, ms = [], []
    for _ in range(rows):
        w = torch.randint(0, vocab, (length,), generator=g)
        before = int(torch.randint(0, 60, (1,), generator=g))
        gap = int(torch.randint(0, 60, (1,), generator=g))
        seq = torch.cat([
            torch.randint(0, vocab, (before,), generator=g), torch.tensor([vocab]), w,
            torch.randint(0, vocab, (gap,), generator=g), torch.tensor([vocab + 1]), w,
        ])
        m = torch.zeros(span, dtype=torch.bool)
        m[len(seq) - length : len(seq)] = True
        xs.append(torch.cat([seq, torch.zeros(span - len(seq), dtype=torch.long)]))
        ms.append(m)
    return torch.stack(xs), torch.stack(ms)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", type=int, default=200)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--rows", type=int, default=16)
    ap.add_argument("--length", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    cfg = {**DEMO_CONFIG, "num_hidden_layers": args.layers, "num_key_value_heads": args.kv_heads}
    model = Transformer(cfg, args.vocab + 3)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.01)
    g = torch.Generator().manual_seed(args.seed + 1)
    span = 60 + 60 + 2 * args.length + 2
    t0 = time.time()
    for step in range(args.steps):
        x, m = batch(g, args.vocab, args.rows, args.length, span)
        h, balance = model.hidden(x)
        logits = model.logits(h[:, :-1][m[:, 1:]], args.vocab + 2, 1)
        targets = x[:, 1:][m[:, 1:]]
        loss = F.cross_entropy(logits, targets)
        opt.zero_grad(set_to_none=True)
        (loss + 0.01 * balance).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 50 == 0 or step == args.steps - 1:
            acc = (logits.argmax(-1) == targets).float().mean().item()
            print(f"step {step} loss {loss.item():.3f} copy accuracy {acc:.3f} ({time.time() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
