"""The gpt-oss architecture (openai/gpt-oss gpt_oss/torch/model.py) for training on a CPU.

Same computation as the reference and as src/model/transformer.ts: pre-norm blocks, attention with
learned sinks, GQA, RoPE with YaRN (NTK-by-parts, concentration), alternating sliding-window and full
attention (even layers slide), MoE with top-k routing (softmax over the chosen logits) and the clamped
SwiGLU. Two training-only conveniences that do not change what is computed at export:
  * a reduced vocabulary: the tokens that occur in the data plus ONE shared row standing for all the
    others; its logit gets + log(number of unseen tokens), which is the full vocabulary's softmax
    when every unseen token has that row (as the export writes it);
  * fake quantization (straight-through): MXFP4 for the expert weights, bf16 for everything else,
    switched on for the last part of training so that the exported weights are the trained ones.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

SWIGLU_ALPHA = 1.702
FP4_VALUES = torch.tensor([0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0])
FP4_MIDPOINTS = torch.tensor([0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5.0])


def mxfp4_quantize(w: torch.Tensor):
    """W[..., K] -> (codes uint8 [..., K] in 0..15, exponents int [..., K/32]); value = fp4 * 2^exp."""
    g = w.reshape(*w.shape[:-1], w.shape[-1] // 32, 32)
    amax = g.abs().amax(dim=-1)
    # The smallest power of two that brings the group's largest magnitude to at most 6 (FP4's max).
    exp = torch.ceil(torch.log2(torch.clamp(amax, min=1e-30) / 6.0)).clamp(-127, 127)
    exp = torch.where(amax == 0, torch.zeros_like(exp), exp)
    scaled = g / torch.pow(2.0, exp).unsqueeze(-1)
    mag = torch.bucketize(scaled.abs(), FP4_MIDPOINTS.to(w.dtype))
    codes = mag + 8 * (scaled < 0).to(mag.dtype)
    return codes.reshape(w.shape).to(torch.uint8), exp.to(torch.int32)


def mxfp4_dequantize(codes: torch.Tensor, exp: torch.Tensor) -> torch.Tensor:
    mag = FP4_VALUES[(codes & 7).long()]
    val = torch.where(codes >= 8, -mag, mag)
    g = val.reshape(*codes.shape[:-1], codes.shape[-1] // 32, 32) * torch.pow(2.0, exp.float()).unsqueeze(-1)
    return g.reshape(codes.shape)


def fake_mxfp4(w: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        q = mxfp4_dequantize(*mxfp4_quantize(w.detach()))
    return w + (q - w).detach()


def fake_bf16(w: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        q = w.detach().to(torch.bfloat16).float()
    return w + (q - w).detach()


def rope_tables(cfg: dict, positions: torch.Tensor):
    """The reference's RotaryEmbedding: cos, sin [T, hd/2] with YaRN scaling and concentration."""
    hd = cfg["head_dim"]
    base = cfg["rope_theta"]
    factor = cfg["rope_scaling_factor"]
    ctx = cfg["initial_context_length"]
    freq = base ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd)
    if factor > 1.0:
        concentration = 0.1 * math.log(factor) + 1.0
        d_half = hd / 2
        low = d_half * math.log(ctx / (cfg["rope_ntk_beta"] * 2 * math.pi)) / math.log(base)
        high = d_half * math.log(ctx / (cfg["rope_ntk_alpha"] * 2 * math.pi)) / math.log(base)
        interpolation = 1.0 / (factor * freq)
        extrapolation = 1.0 / freq
        ramp = (torch.arange(d_half, dtype=torch.float32) - low) / (high - low)
        mask = 1 - ramp.clamp(0, 1)
        inv_freq = interpolation * (1 - mask) + extrapolation * mask
    else:
        concentration = 1.0
        inv_freq = 1.0 / freq
    t = positions.to(torch.float32)
    freqs = torch.einsum("i,j->ij", t, inv_freq)
    return freqs.cos() * concentration, freqs.sin() * concentration


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    # x [B, T, heads, hd]; cos/sin [T, hd/2]
    cos = cos[None, :, None, :]
    sin = sin[None, :, None, :]
    x1, x2 = torch.chunk(x, 2, dim=-1)
    return torch.cat((x1 * cos - x2 * sin, x2 * cos + x1 * sin), dim=-1)


class Attention(nn.Module):
    def __init__(self, cfg: dict, layer: int):
        super().__init__()
        H, hd = cfg["hidden_size"], cfg["head_dim"]
        self.nh, self.nkv, self.hd = cfg["num_attention_heads"], cfg["num_key_value_heads"], hd
        self.window = cfg["sliding_window"] if layer % 2 == 0 else 0
        self.norm = nn.Parameter(torch.ones(H))
        self.qkv = nn.Linear(H, hd * (self.nh + 2 * self.nkv))
        self.sinks = nn.Parameter(torch.zeros(self.nh))
        self.out = nn.Linear(hd * self.nh, H)
        nn.init.normal_(self.qkv.weight, std=1 / math.sqrt(H))
        nn.init.zeros_(self.qkv.bias)
        nn.init.normal_(self.out.weight, std=0.5 / math.sqrt(hd * self.nh))
        nn.init.zeros_(self.out.bias)

    def forward(self, x, rope, eps, q_fn):
        B, T, _ = x.shape
        t = rms_norm(x, q_fn(self.norm), eps)
        qkv = F.linear(t, q_fn(self.qkv.weight), q_fn(self.qkv.bias))
        nh, nkv, hd = self.nh, self.nkv, self.hd
        q = qkv[..., : nh * hd].reshape(B, T, nh, hd)
        k = qkv[..., nh * hd : (nh + nkv) * hd].reshape(B, T, nkv, hd)
        v = qkv[..., (nh + nkv) * hd :].reshape(B, T, nkv, hd)
        cos, sin = rope
        q = apply_rope(q, cos, sin)
        k = apply_rope(k, cos, sin)
        rep = nh // nkv
        # Query heads grouped by their key-value head ([B, nkv, T*rep, hd] x [B, nkv, hd, T]), so the
        # shared keys and values are never copied per query head.
        qg = q.reshape(B, T, nkv, rep, hd).permute(0, 2, 1, 3, 4).reshape(B, nkv, T * rep, hd)
        scores = torch.matmul(qg, k.permute(0, 2, 3, 1)).reshape(B, nkv, T, rep, T) / math.sqrt(hd)
        i = torch.arange(T)
        allowed = i[None, :] <= i[:, None]
        if self.window > 0:
            allowed = allowed & (i[None, :] > i[:, None] - self.window)
        scores = scores.masked_fill(~allowed[:, None, :], float("-inf"))
        sinks = q_fn(self.sinks).reshape(1, nkv, 1, rep, 1).expand(B, nkv, T, rep, 1)
        w = torch.softmax(torch.cat([scores, sinks], dim=-1), dim=-1)[..., :-1]
        out = torch.matmul(w.reshape(B, nkv, T * rep, T), v.permute(0, 2, 1, 3))
        attn = out.reshape(B, nkv, T, rep, hd).permute(0, 2, 1, 3, 4).reshape(B, T, nh * hd)
        return x + F.linear(attn, q_fn(self.out.weight), q_fn(self.out.bias))


class MoE(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        H, I, E = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_experts"]
        self.E, self.k, self.I, self.limit = E, cfg["experts_per_token"], I, cfg["swiglu_limit"]
        self.norm = nn.Parameter(torch.ones(H))
        self.gate = nn.Linear(H, E)
        self.mlp1_weight = nn.Parameter(torch.randn(E, 2 * I, H) / math.sqrt(H))
        self.mlp1_bias = nn.Parameter(torch.zeros(E, 2 * I))
        self.mlp2_weight = nn.Parameter(torch.randn(E, H, I) * (0.5 / math.sqrt(I)))
        self.mlp2_bias = nn.Parameter(torch.zeros(E, H))
        nn.init.normal_(self.gate.weight, std=1 / math.sqrt(H))
        nn.init.zeros_(self.gate.bias)

    def forward(self, x, eps, q_fn, e_fn):
        B, T, H = x.shape
        t = rms_norm(x, q_fn(self.norm), eps).reshape(B * T, H)
        g = F.linear(t, q_fn(self.gate.weight), q_fn(self.gate.bias))
        top = torch.topk(g, k=self.k, dim=-1, sorted=True)
        weights = torch.softmax(top.values, dim=-1)
        w1, w2 = e_fn(self.mlp1_weight), e_fn(self.mlp2_weight)
        b1, b2 = q_fn(self.mlp1_bias), q_fn(self.mlp2_bias)
        out = torch.zeros_like(t)
        for e in range(self.E):
            hit = top.indices == e  # [N, k]
            rows = hit.any(dim=-1).nonzero(as_tuple=True)[0]
            if rows.numel() == 0:
                continue
            we = (weights * hit).sum(dim=-1)[rows]
            h = F.linear(t[rows], w1[e], b1[e])
            glu = h[:, ::2].clamp(max=self.limit)
            lin = h[:, 1::2].clamp(-self.limit, self.limit)
            a = glu * torch.sigmoid(SWIGLU_ALPHA * glu) * (lin + 1)
            y = F.linear(a, w2[e], b2[e])
            out = out.index_add(0, rows, y * we[:, None])
        # Switch-style balance term: fraction routed x mean router probability, per expert.
        probs = torch.softmax(g, dim=-1).mean(dim=0)
        frac = F.one_hot(top.indices, self.E).float().sum(dim=1).mean(dim=0) / self.k
        balance = self.E * (probs * frac).sum()
        return x + out.reshape(B, T, H), balance


def rms_norm(x, scale, eps):
    return x * torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + eps) * scale


class Transformer(nn.Module):
    def __init__(self, cfg: dict, vocab: int):
        super().__init__()
        self.cfg = cfg
        H = cfg["hidden_size"]
        self.embedding = nn.Parameter(torch.randn(vocab, H))
        self.attn = nn.ModuleList(Attention(cfg, i) for i in range(cfg["num_hidden_layers"]))
        self.mlp = nn.ModuleList(MoE(cfg) for _ in range(cfg["num_hidden_layers"]))
        self.norm = nn.Parameter(torch.ones(H))
        self.unembedding = nn.Parameter(torch.randn(vocab, H) * 0.02)
        self.quantize = False
        self.eps = 1e-5

    def hidden(self, tokens: torch.Tensor):
        """Final-normed hidden states [B, T, H] and the MoE balance term."""
        q_fn = fake_bf16 if self.quantize else (lambda w: w)
        e_fn = fake_mxfp4 if self.quantize else (lambda w: w)
        T = tokens.shape[1]
        rope = rope_tables(self.cfg, torch.arange(T))
        x = F.embedding(tokens, q_fn(self.embedding))
        balance = 0.0
        for attn, mlp in zip(self.attn, self.mlp):
            x = attn(x, rope, self.eps, q_fn)
            x, b = mlp(x, self.eps, q_fn, e_fn)
            balance = balance + b
        return rms_norm(x, q_fn(self.norm), self.eps), balance / len(self.attn)

    def logits(self, h: torch.Tensor, shared_row: int, unseen: int):
        q_fn = fake_bf16 if self.quantize else (lambda w: w)
        z = F.linear(h, q_fn(self.unembedding))
        bump = torch.zeros(z.shape[-1])
        bump[shared_row] = math.log(unseen)
        return z + bump
