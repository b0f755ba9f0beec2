"""Turns an exported checkpoint (the original layout: config.json + model.safetensors, e.g. the shipped
gpt-oss-demo unpacked) back into a training state that `train.py --init` takes, so that a fine-tune can
start from the shipped weights instead of repeating the stages that made them.

    /usr/bin/python3 training/demo/from_export.py --model DIR --run training/demo/runs/shipped
    # then: train.py ... --init training/demo/runs/shipped

The export gives every token its own embedding and unembedding row, and every token the trainer never
saw the one shared row (see model.py); the tokens whose rows differ from the most frequent row are the
seen ones. Experts come back from MXFP4 exactly (the export's values), everything else from bf16.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export import load_exported  # noqa: E402


def shared_row(rows):
    _, inverse, counts = np.unique(rows.numpy().view(np.uint32), axis=0, return_inverse=True, return_counts=True)
    return int(np.argmax(counts)), inverse.reshape(-1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="a directory with config.json and model.safetensors")
    ap.add_argument("--run", required=True, help="the run directory to write state.pt into")
    args = ap.parse_args()
    model, cfg = load_exported(args.model)
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    emb, unemb = state["embedding"], state["unembedding"]
    group_e, inv_e = shared_row(emb)
    group_u, inv_u = shared_row(unemb)
    seen = [i for i in range(emb.shape[0]) if inv_e[i] != group_e or inv_u[i] != group_u]
    shared = next(i for i in range(emb.shape[0]) if inv_e[i] == group_e and inv_u[i] == group_u)
    rows = torch.tensor(seen + [shared])
    state["embedding"], state["unembedding"] = emb[rows].clone(), unemb[rows].clone()
    os.makedirs(args.run, exist_ok=True)
    # vocab.json as train.py writes it, so that export.py --run can write this state back out (a round trip)
    with open(os.path.join(args.run, "vocab.json"), "w") as f:
        json.dump({"seen": seen, "config": cfg}, f)
    torch.save({"model": state, "seen": seen, "step": 0, "from_export": os.path.abspath(args.model)}, os.path.join(args.run, "state.pt"))
    print(f"wrote {args.run}/state.pt: {len(seen)} seen tokens (shared row: token {shared}), {cfg['num_hidden_layers']} layers")


if __name__ == "__main__":
    main()
