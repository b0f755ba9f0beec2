"""Trains the gpt-oss-demo model on the data written by generate.ts, resumable, then exports it.

    nice -n 10 /usr/bin/python3 training/demo/train.py --data training/demo/data/train --run training/demo/runs/main

One thread: on a shared machine OpenMP's second thread mostly spins waiting for the first (a 2-thread
run measured 29 s/step here against 1.6 s/step for one thread under the same load).

The run directory keeps `state.pt` (model, optimizer, step; written every --save-every steps and on
exit), `log.jsonl` and `vocab.json`; starting the same command again continues from `state.pt`. The
batch order is a function of --seed and the step, so a resumed run sees the batches an uninterrupted
one would. The last --qat-fraction of the steps train through MXFP4 (experts) and bf16 (all other
weights) rounding; `export.py` then writes exactly those weights.
"""
import argparse
import json
import os
import signal
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Transformer  # noqa: E402

FULL_VOCAB = 201088

DEMO_CONFIG = {
    "num_hidden_layers": 2,
    "num_experts": 8,
    "experts_per_token": 2,
    "vocab_size": FULL_VOCAB,
    "hidden_size": 128,
    "intermediate_size": 128,
    "swiglu_limit": 7.0,
    "head_dim": 64,
    "num_attention_heads": 4,
    "num_key_value_heads": 1,
    "sliding_window": 128,
    "initial_context_length": 4096,
    "rope_theta": 150000.0,
    "rope_scaling_factor": 32.0,
    "rope_ntk_alpha": 1.0,
    "rope_ntk_beta": 32.0,
}


def load_data(prefix):
    tokens = np.fromfile(prefix + ".tokens", dtype="<i4")
    mask = np.fromfile(prefix + ".mask", dtype=np.uint8)
    offsets = np.fromfile(prefix + ".offsets", dtype="<i8")
    return tokens, mask, offsets


def build_vocab(tokens):
    """Seen tokens (sorted) and the full -> reduced map; every unseen token maps to the shared last row."""
    seen = np.unique(tokens)
    full_to_reduced = np.full(FULL_VOCAB, len(seen), dtype=np.int64)
    full_to_reduced[seen] = np.arange(len(seen))
    return seen, full_to_reduced


def epoch_batches(offsets, seed, epoch, budget):
    """The epoch's batches: shuffled, then sorted by length in chunks so padding stays small."""
    rng = np.random.default_rng([seed, epoch])
    lengths = offsets[1:] - offsets[:-1]
    order = rng.permutation(len(lengths))
    batches = []
    for c in range(0, len(order), 4096):
        chunk = order[c : c + 4096]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        cur = []
        for i in chunk:
            longest = max([lengths[j] for j in cur] + [lengths[i]])
            if cur and longest * (len(cur) + 1) > budget:
                batches.append(cur)
                cur = []
            cur.append(i)
        if cur:
            batches.append(cur)
    rng.shuffle(batches)
    return batches


def make_batch(idx, tokens, mask, offsets, f2r):
    lens = [int(offsets[i + 1] - offsets[i]) for i in idx]
    T = max(lens)
    x = np.zeros((len(idx), T), dtype=np.int64)
    m = np.zeros((len(idx), T), dtype=bool)
    for r, i in enumerate(idx):
        a, b = offsets[i], offsets[i + 1]
        x[r, : b - a] = f2r[tokens[a:b]]
        m[r, : b - a] = mask[a:b] == 1
    return torch.from_numpy(x), torch.from_numpy(m)


def init_from(model, run, seen, layer_map=None):
    """Copies another run's weights (same shapes but the vocabulary). Each of this run's tokens takes its
    row there; a token that run never saw keeps its fresh random row (starting all of them at the shared
    row would leave rare ones alike, and a copy from the prompt cannot tell them apart).

    `layer_map` grows a model: entry i names the layer of that run that layer i starts from, or None for
    a new layer whose attention output and expert down-projections start at zero, so that the grown
    model computes exactly what the smaller one did and the new layers only add what training finds."""
    state = torch.load(os.path.join(run, "state.pt"))
    theirs = dict(state["model"])
    if layer_map is not None:
        for k in [k for k in theirs if k.startswith(("attn.", "mlp."))]:
            del theirs[k]
        for i, j in enumerate(layer_map):
            if j is None:
                continue
            for k, v in state["model"].items():
                for part in ("attn", "mlp"):
                    if k.startswith(f"{part}.{j}."):
                        theirs[f"{part}.{i}." + k[len(f"{part}.{j}.") :]] = v
    index = {t: i for i, t in enumerate(state["seen"])}
    own = model.state_dict()
    for k, v in theirs.items():
        if k not in own:
            sys.exit(f"--init {run}: it has {k}, this model does not (other --layers? see --init-layers)")
        if k in ("embedding", "unembedding"):
            rows = own[k].clone()
            for i, t in enumerate(seen):
                if int(t) in index:
                    rows[i] = v[index[int(t)]]
            rows[-1] = v[-1]
            own[k] = rows
        elif own[k].shape != v.shape:
            sys.exit(f"--init {run}: {k} has shape {tuple(v.shape)} there, {tuple(own[k].shape)} here (other --layers/--kv-heads?)")
        else:
            own[k] = v
    for i, j in enumerate(layer_map or []):
        if j is None:
            for k in (f"attn.{i}.out.weight", f"attn.{i}.out.bias", f"mlp.{i}.mlp2_weight", f"mlp.{i}.mlp2_bias"):
                own[k] = torch.zeros_like(own[k])
    model.load_state_dict(own)
    print(f"initialised from {run} (step {state['step']}; {sum(int(t) in index for t in seen)}/{len(seen)} tokens had rows)", flush=True)


def lr_at(step, total, peak, warmup, decay_fraction):
    """Warmup, a constant stretch, then a linear decay to 10% over the last `decay_fraction` of the steps.
    Until the decay starts, the schedule does not depend on `total`: a run that turns out slower than
    planned can be resumed with a smaller --steps and lose nothing."""
    if step < warmup:
        return peak * (step + 1) / warmup
    decay_from = int(total * (1 - decay_fraction))
    if step < decay_from:
        return peak
    return peak * (1 - 0.9 * (step - decay_from) / max(1, total - decay_from))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="training/demo/data/train")
    ap.add_argument("--run", default="training/demo/runs/main")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--batch-tokens", type=int, default=2048)
    ap.add_argument("--lr", type=float, default=4e-3)
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--decay-fraction", type=float, default=0.25)
    ap.add_argument("--qat-fraction", type=float, default=0.15)
    ap.add_argument("--balance", type=float, default=0.01)
    ap.add_argument("--save-every", type=int, default=25)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--stop-after", type=int, default=0, help="stop (resumably) after this many steps in this process")
    ap.add_argument("--layers", type=int, default=DEMO_CONFIG["num_hidden_layers"])
    ap.add_argument("--kv-heads", type=int, default=DEMO_CONFIG["num_key_value_heads"])
    ap.add_argument("--intermediate", type=int, default=DEMO_CONFIG["intermediate_size"])
    ap.add_argument("--hidden", type=int, default=DEMO_CONFIG["hidden_size"])
    ap.add_argument("--heads", type=int, default=DEMO_CONFIG["num_attention_heads"])
    ap.add_argument("--init-layers", help="with --init into more layers: which of its layers each layer starts from, '-' for a new one (e.g. 0,1,-,-)")
    ap.add_argument("--init", help="start from the weights of another run's state.pt (rows matched by token id; tokens it never saw keep fresh random rows)")
    args = ap.parse_args()
    config = dict(DEMO_CONFIG, num_hidden_layers=args.layers, num_key_value_heads=args.kv_heads, intermediate_size=args.intermediate,
                  hidden_size=args.hidden, num_attention_heads=args.heads)

    torch.set_num_threads(args.threads)
    os.makedirs(args.run, exist_ok=True)
    tokens, mask, offsets = load_data(args.data)
    seen, f2r = build_vocab(tokens)
    shared, unseen = len(seen), FULL_VOCAB - len(seen)
    vocab_file = os.path.join(args.run, "vocab.json")
    with open(vocab_file, "w") as f:
        json.dump({"seen": seen.tolist(), "config": config}, f)

    torch.manual_seed(args.seed)
    model = Transformer(config, len(seen) + 1)
    if args.init and not os.path.exists(os.path.join(args.run, "state.pt")):
        layer_map = None
        if args.init_layers:
            layer_map = [None if x == "-" else int(x) for x in args.init_layers.split(",")]
            if len(layer_map) != args.layers:
                sys.exit(f"--init-layers {args.init_layers}: {len(layer_map)} entries for --layers {args.layers}")
            # a layer's window follows its index (even: sliding), so a layer keeps its kind where it goes
            if any(j is not None and j % 2 != i % 2 for i, j in enumerate(layer_map)):
                sys.exit(f"--init-layers {args.init_layers}: a sliding-window layer (even) must stay at an even index")
        init_from(model, args.init, seen, layer_map)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.01)
    step = 0
    state_file = os.path.join(args.run, "state.pt")
    if os.path.exists(state_file):
        state = torch.load(state_file)
        if state["seen"] != seen.tolist():
            sys.exit(f"{state_file} was trained on a different vocabulary (other data); use another --run")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        step = state["step"]
        print(f"resumed at step {step}", flush=True)

    def save():
        tmp = state_file + ".tmp"
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "seen": seen.tolist(), "args": vars(args)}, tmp)
        os.replace(tmp, state_file)

    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    signal.signal(signal.SIGINT, lambda *_: stop.update(now=True))

    log = open(os.path.join(args.run, "log.jsonl"), "a")
    qat_from = int(args.steps * (1 - args.qat_fraction))
    epoch_cache = {0: epoch_batches(offsets, args.seed, 0, args.batch_tokens)}
    epoch_starts = [0]
    started = step
    t0 = time.time()
    acc_loss, acc_tok, acc_n = 0.0, 0, 0
    while step < args.steps and not stop["now"]:
        # Epochs pack into different numbers of batches, so an epoch starts where the earlier ones ended.
        while step >= epoch_starts[-1] + len(epoch_cache[len(epoch_starts) - 1]):
            epoch_starts.append(epoch_starts[-1] + len(epoch_cache[len(epoch_starts) - 1]))
            epoch_cache = {len(epoch_starts) - 1: epoch_batches(offsets, args.seed, len(epoch_starts) - 1, args.batch_tokens)}
        epoch, k = len(epoch_starts) - 1, step - epoch_starts[-1]
        x, m = make_batch(epoch_cache[epoch][k], tokens, mask, offsets, f2r)
        model.quantize = step >= qat_from
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args.steps, args.lr, args.warmup, args.decay_fraction)
        h, balance = model.hidden(x)
        # Position t predicts token t + 1; only the tokens the assistant writes are trained.
        target_mask = m[:, 1:]
        hs = h[:, :-1][target_mask]
        targets = x[:, 1:][target_mask]
        logits = model.logits(hs, shared, unseen)
        loss = F.cross_entropy(logits, targets)
        total = loss + args.balance * balance
        opt.zero_grad(set_to_none=True)
        total.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        acc_loss += loss.item() * targets.numel()
        acc_tok += targets.numel()
        acc_n += 1
        if step % 10 == 0 or step == args.steps:
            rec = {
                "step": step,
                "epoch": round(epoch + k / len(epoch_cache[epoch]), 3),
                "loss": round(acc_loss / acc_tok, 4),
                "lr": round(opt.param_groups[0]["lr"], 6),
                "qat": model.quantize,
                "balance": round(float(balance), 3),
                "s_per_step": round((time.time() - t0) / max(1, step - started), 2),
                "elapsed_s": round(time.time() - t0),
            }
            log.write(json.dumps(rec) + "\n")
            log.flush()
            print(json.dumps(rec), flush=True)
            acc_loss, acc_tok, acc_n = 0.0, 0, 0
        if step % args.save_every == 0:
            save()
        if args.stop_after and step - started >= args.stop_after:
            break
    save()
    print(f"saved step {step} to {state_file}", flush=True)


if __name__ == "__main__":
    main()
