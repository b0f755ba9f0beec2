"""Exports a training state to a gpt-oss checkpoint in the original layout (config.json +
model.safetensors: bf16 weights, MXFP4 experts), and computes the trainer's float32 logits of an
exported checkpoint (read back from the file, so the check covers the export too).

    /usr/bin/python3 training/demo/export.py --run training/demo/runs/main --out /tmp/gpt-oss-demo
    /usr/bin/python3 training/demo/export.py --fixture --out test/fixtures/demo-trainer-agreement
"""
import argparse
import json
import math
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Transformer, mxfp4_dequantize, mxfp4_quantize  # noqa: E402

CONFIG_KEYS = [
    "num_hidden_layers", "num_experts", "experts_per_token", "vocab_size", "hidden_size", "intermediate_size",
    "swiglu_limit", "head_dim", "num_attention_heads", "num_key_value_heads", "sliding_window",
    "initial_context_length", "rope_theta", "rope_scaling_factor", "rope_ntk_alpha", "rope_ntk_beta",
]


def bf16_bytes(t: torch.Tensor) -> bytes:
    return t.detach().float().contiguous().to(torch.bfloat16).view(torch.int16).numpy().tobytes()


def mxfp4_bytes(w: torch.Tensor):
    codes, exp = mxfp4_quantize(w.detach().float())
    c = codes.reshape(*codes.shape[:-1], codes.shape[-1] // 32, 16, 2).to(torch.int32)
    blocks = (c[..., 0] | (c[..., 1] << 4)).to(torch.uint8)
    scales = (exp + 127).to(torch.uint8)
    return blocks.numpy().tobytes(), list(blocks.shape), scales.numpy().tobytes(), list(scales.shape)


def write_safetensors(path, tensors):
    """tensors: list of (name, dtype 'BF16'|'U8', shape, bytes)."""
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name, dtype, shape, data in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for _, _, _, data in tensors:
            f.write(data)


def export(model: Transformer, cfg: dict, full_rows, out_dir: str):
    """full_rows: LongTensor [vocab_size] giving each token's row of the trained (maybe reduced) vocabulary."""
    os.makedirs(out_dir, exist_ok=True)
    t = []
    t.append(("embedding.weight", "BF16", [cfg["vocab_size"], cfg["hidden_size"]], bf16_bytes(model.embedding[full_rows])))
    for i, (a, m) in enumerate(zip(model.attn, model.mlp)):
        p = f"block.{i}"
        t.append((f"{p}.attn.norm.scale", "BF16", list(a.norm.shape), bf16_bytes(a.norm)))
        t.append((f"{p}.attn.qkv.weight", "BF16", list(a.qkv.weight.shape), bf16_bytes(a.qkv.weight)))
        t.append((f"{p}.attn.qkv.bias", "BF16", list(a.qkv.bias.shape), bf16_bytes(a.qkv.bias)))
        t.append((f"{p}.attn.sinks", "BF16", list(a.sinks.shape), bf16_bytes(a.sinks)))
        t.append((f"{p}.attn.out.weight", "BF16", list(a.out.weight.shape), bf16_bytes(a.out.weight)))
        t.append((f"{p}.attn.out.bias", "BF16", list(a.out.bias.shape), bf16_bytes(a.out.bias)))
        t.append((f"{p}.mlp.norm.scale", "BF16", list(m.norm.shape), bf16_bytes(m.norm)))
        t.append((f"{p}.mlp.gate.weight", "BF16", list(m.gate.weight.shape), bf16_bytes(m.gate.weight)))
        t.append((f"{p}.mlp.gate.bias", "BF16", list(m.gate.bias.shape), bf16_bytes(m.gate.bias)))
        for w, b in (("mlp1_weight", "mlp1_bias"), ("mlp2_weight", "mlp2_bias")):
            blocks, bshape, scales, sshape = mxfp4_bytes(getattr(m, w))
            t.append((f"{p}.mlp.{w}.blocks", "U8", bshape, blocks))
            t.append((f"{p}.mlp.{w}.scales", "U8", sshape, scales))
            t.append((f"{p}.mlp.{b}", "BF16", list(getattr(m, b).shape), bf16_bytes(getattr(m, b))))
    t.append(("norm.scale", "BF16", list(model.norm.shape), bf16_bytes(model.norm)))
    t.append(("unembedding.weight", "BF16", [cfg["vocab_size"], cfg["hidden_size"]], bf16_bytes(model.unembedding[full_rows])))
    write_safetensors(os.path.join(out_dir, "model.safetensors"), t)
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump({k: cfg[k] for k in CONFIG_KEYS}, f, indent=2)
        f.write("\n")


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        base = 8 + n
        out = {}
        for name, info in header.items():
            if name == "__metadata__":
                continue
            a, b = info["data_offsets"]
            f.seek(base + a)
            raw = f.read(b - a)
            if info["dtype"] == "BF16":
                words = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
                out[name] = torch.from_numpy(words.view(np.float32).reshape(info["shape"]).copy())
            else:
                out[name] = torch.from_numpy(np.frombuffer(raw, dtype=np.uint8).reshape(info["shape"]).copy())
    return out


def load_exported(out_dir: str):
    """The exported checkpoint as a float32 trainer model (experts dequantized from MXFP4)."""
    with open(os.path.join(out_dir, "config.json")) as f:
        cfg = json.load(f)
    w = read_safetensors(os.path.join(out_dir, "model.safetensors"))
    model = Transformer(cfg, cfg["vocab_size"])
    with torch.no_grad():
        model.embedding.copy_(w["embedding.weight"])
        model.unembedding.copy_(w["unembedding.weight"])
        model.norm.copy_(w["norm.scale"])
        for i, (a, m) in enumerate(zip(model.attn, model.mlp)):
            p = f"block.{i}"
            a.norm.copy_(w[f"{p}.attn.norm.scale"])
            a.qkv.weight.copy_(w[f"{p}.attn.qkv.weight"])
            a.qkv.bias.copy_(w[f"{p}.attn.qkv.bias"])
            a.sinks.copy_(w[f"{p}.attn.sinks"])
            a.out.weight.copy_(w[f"{p}.attn.out.weight"])
            a.out.bias.copy_(w[f"{p}.attn.out.bias"])
            m.norm.copy_(w[f"{p}.mlp.norm.scale"])
            m.gate.weight.copy_(w[f"{p}.mlp.gate.weight"])
            m.gate.bias.copy_(w[f"{p}.mlp.gate.bias"])
            for name in ("mlp1_weight", "mlp2_weight"):
                blocks = w[f"{p}.mlp.{name}.blocks"].to(torch.int32)
                codes = torch.stack([blocks & 15, blocks >> 4], dim=-1).reshape(*blocks.shape[:-2], -1).to(torch.uint8)
                exp = w[f"{p}.mlp.{name}.scales"].to(torch.int32) - 127
                getattr(m, name).copy_(mxfp4_dequantize(codes, exp))
            m.mlp1_bias.copy_(w[f"{p}.mlp.mlp1_bias"])
            m.mlp2_bias.copy_(w[f"{p}.mlp.mlp2_bias"])
    return model, cfg


def trainer_logits(out_dir: str, tokens):
    model, cfg = load_exported(out_dir)
    model.eval()
    with torch.no_grad():
        h, _ = model.hidden(torch.tensor([tokens]))
        return torch.nn.functional.linear(h[0], model.unembedding).numpy().astype(np.float32)


FIXTURE_CONFIG = {
    "num_hidden_layers": 2, "num_experts": 4, "experts_per_token": 2, "vocab_size": 300, "hidden_size": 64,
    "intermediate_size": 64, "swiglu_limit": 7.0, "head_dim": 64, "num_attention_heads": 2, "num_key_value_heads": 1,
    "sliding_window": 8, "initial_context_length": 4096, "rope_theta": 150000.0, "rope_scaling_factor": 32.0,
    "rope_ntk_alpha": 1.0, "rope_ntk_beta": 32.0,
}


def make_fixture(out_dir: str, seed: int):
    """A small checkpoint written by the trainer's export path, with every parameter perturbed away from
    its initial value (biases, sinks and norm scales are not left at 0 or 1), and its float32 logits."""
    torch.manual_seed(seed)
    cfg = FIXTURE_CONFIG
    model = Transformer(cfg, cfg["vocab_size"])
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm") or name == "norm":
                p.copy_(1 + 0.15 * torch.randn_like(p))
            elif "bias" in name or "sinks" in name:
                p.copy_(0.3 * torch.randn_like(p))
            elif name == "unembedding":
                p.copy_(torch.randn_like(p) * 2 / math.sqrt(cfg["hidden_size"]))
    export(model, cfg, torch.arange(cfg["vocab_size"]), out_dir)
    g = torch.Generator().manual_seed(seed + 1)
    tokens = torch.randint(0, cfg["vocab_size"], (24,), generator=g).tolist()
    logits = trainer_logits(out_dir, tokens)
    logits.astype("<f4").tofile(os.path.join(out_dir, "trainer-logits.f32"))
    with open(os.path.join(out_dir, "meta.json"), "w") as f:
        json.dump(
            {
                "made_by": f"/usr/bin/python3 training/demo/export.py --fixture --seed {seed} --out {out_dir}",
                "what": "a small checkpoint written by the demo trainer's export (bf16 weights, MXFP4 experts), and the "
                "trainer's float32 logits [tokens, vocab_size] of these tokens, computed by training/demo/model.py on the "
                "weights read back from model.safetensors (experts dequantized), torch " + torch.__version__,
                "tokens": tokens,
                "shape": list(logits.shape),
                "tolerance": {"max_abs": 5e-3},
            },
            f,
            indent=2,
        )
        f.write("\n")
    print(f"fixture in {out_dir}: logits {logits.shape}, |max| {np.abs(logits).max():.3f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", default="training/demo/runs/main")
    ap.add_argument("--out", required=True)
    ap.add_argument("--fixture", action="store_true")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    if args.fixture:
        make_fixture(args.out, args.seed)
        return
    with open(os.path.join(args.run, "vocab.json")) as f:
        vocab = json.load(f)
    cfg = vocab["config"]
    seen = torch.tensor(vocab["seen"])
    state = torch.load(os.path.join(args.run, "state.pt"))
    model = Transformer(cfg, len(seen) + 1)
    model.load_state_dict(state["model"])
    rows = torch.full((cfg["vocab_size"],), len(seen), dtype=torch.long)
    rows[seen] = torch.arange(len(seen))
    export(model, cfg, rows, args.out)
    print(f"exported step {state['step']} to {args.out}")


if __name__ == "__main__":
    main()
