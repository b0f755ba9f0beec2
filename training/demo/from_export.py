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
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import mxfp4_dequantize  # noqa: E402


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        a, b = meta["data_offsets"]
        raw = data[a:b]
        if meta["dtype"] == "BF16":
            u = np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16
            t = torch.from_numpy(u.view(np.float32).reshape(meta["shape"]).copy())
        elif meta["dtype"] == "U8":
            t = torch.from_numpy(np.frombuffer(raw, dtype=np.uint8).reshape(meta["shape"]).copy())
        else:
            sys.exit(f"{path}: {name} has dtype {meta['dtype']}; the demo's exports hold BF16 and U8 only")
        out[name] = t
    return out


def experts(blocks, scales):
    """[..., nb, 16] bytes (two codes each: element 2j in the low nibble) and [..., nb] E8M0 -> floats [..., nb * 32]."""
    b = blocks.to(torch.int32)
    codes = torch.stack((b & 15, b >> 4), dim=-1).reshape(*blocks.shape[:-2], blocks.shape[-2] * 32)
    return mxfp4_dequantize(codes, scales.to(torch.int32) - 127)


def shared_row(rows):
    _, inverse, counts = np.unique(rows.numpy().view(np.uint32), axis=0, return_inverse=True, return_counts=True)
    return int(np.argmax(counts)), inverse.reshape(-1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="a directory with config.json and model.safetensors")
    ap.add_argument("--run", required=True, help="the run directory to write state.pt into")
    args = ap.parse_args()
    t = read_safetensors(os.path.join(args.model, "model.safetensors"))
    with open(os.path.join(args.model, "config.json")) as f:
        cfg = json.load(f)
    emb, unemb = t["embedding.weight"], t["unembedding.weight"]
    group_e, inv_e = shared_row(emb)
    group_u, inv_u = shared_row(unemb)
    seen = [i for i in range(emb.shape[0]) if inv_e[i] != group_e or inv_u[i] != group_u]
    shared = next(i for i in range(emb.shape[0]) if inv_e[i] == group_e and inv_u[i] == group_u)
    rows = torch.tensor(seen + [shared])
    state = {"embedding": emb[rows].clone(), "unembedding": unemb[rows].clone(), "norm": t["norm.scale"]}
    for i in range(cfg["num_hidden_layers"]):
        p = f"block.{i}"
        state[f"attn.{i}.norm"] = t[f"{p}.attn.norm.scale"]
        state[f"attn.{i}.qkv.weight"] = t[f"{p}.attn.qkv.weight"]
        state[f"attn.{i}.qkv.bias"] = t[f"{p}.attn.qkv.bias"]
        state[f"attn.{i}.sinks"] = t[f"{p}.attn.sinks"]
        state[f"attn.{i}.out.weight"] = t[f"{p}.attn.out.weight"]
        state[f"attn.{i}.out.bias"] = t[f"{p}.attn.out.bias"]
        state[f"mlp.{i}.norm"] = t[f"{p}.mlp.norm.scale"]
        state[f"mlp.{i}.gate.weight"] = t[f"{p}.mlp.gate.weight"]
        state[f"mlp.{i}.gate.bias"] = t[f"{p}.mlp.gate.bias"]
        for w in ("mlp1", "mlp2"):
            state[f"mlp.{i}.{w}_weight"] = experts(t[f"{p}.mlp.{w}_weight.blocks"], t[f"{p}.mlp.{w}_weight.scales"])
            state[f"mlp.{i}.{w}_bias"] = t[f"{p}.mlp.{w}_bias"]
    os.makedirs(args.run, exist_ok=True)
    # vocab.json as train.py writes it, so that export.py --run can write this state back out (a round trip)
    with open(os.path.join(args.run, "vocab.json"), "w") as f:
        json.dump({"seen": seen, "config": cfg}, f)
    torch.save({"model": state, "seen": seen, "step": 0, "from_export": os.path.abspath(args.model)}, os.path.join(args.run, "state.pt"))
    print(f"wrote {args.run}/state.pt: {len(seen)} seen tokens (shared row: token {shared}), {cfg['num_hidden_layers']} layers")


if __name__ == "__main__":
    main()
