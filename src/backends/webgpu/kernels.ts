/**
 * The WGSL compute kernels. Every kernel reads its scalars from a 64-byte uniform block `P`
 * (u32s, floats bitcast), so bounds and loop limits are uniform and workgroup barriers are legal
 * after them; per-call arrays (token ids, positions, RoPE tables) come from the same upload arena
 * as read-only storage. Large grids are dispatched as 2-D (x up to 65535) and linearised here.
 * All arithmetic is f32, in the order the reference rounds (sum, then + bias).
 */

const PARAMS = /* wgsl */ `
struct Params { v: array<vec4<u32>, 4> }
@group(0) @binding(0) var<uniform> P: Params;
fn p(i: u32) -> u32 { return P.v[i / 4u][i % 4u]; }
fn pf(i: u32) -> f32 { return bitcast<f32>(p(i)); }
fn linearId(wid: vec3<u32>, nwg: vec3<u32>) -> u32 { return wid.x + wid.y * nwg.x; }
`;

/** Dense weight element `idx` of a part: bf16 packed two to a word (dtype 0) or f32 (dtype 1). */
const WLOAD = /* wgsl */ `
fn wload(idx: u32, dtype: u32) -> f32 {
  if (dtype == 0u) {
    let w = W[idx >> 1u];
    let h = select(w & 0xffffu, w >> 16u, (idx & 1u) == 1u);
    return bitcast<f32>(h << 16u);
  }
  return bitcast<f32>(W[idx]);
}
`;

/** embed: P = [n, cols, rowStart, rowCount, dtype]; tokens in A. Rows outside this part are left alone. */
export const EMBED = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> A: array<u32>;
@group(0) @binding(2) var<storage, read> W: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
${WLOAD}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * 64u;
  let n = p(0u); let cols = p(1u);
  if (idx >= n * cols) { return; }
  let i = idx / cols; let j = idx % cols;
  let tok = A[i];
  if (tok < p(2u) || tok >= p(2u) + p(3u)) { return; }
  out[idx] = wload((tok - p(2u)) * cols + j, p(4u));
}`;

/** rmsNorm: one workgroup per row. P = [rows, cols, eps]. */
export const RMS_NORM = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
var<workgroup> red: array<f32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = linearId(wid, nwg);
  if (row >= p(0u)) { return; }
  let cols = p(1u);
  let base = row * cols;
  var ss = 0.0;
  for (var j = lid.x; j < cols; j += 256u) { let v = x[base + j]; ss += v * v; }
  red[lid.x] = ss;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (lid.x < s) { red[lid.x] += red[lid.x + s]; }
    workgroupBarrier();
  }
  let r = 1.0 / sqrt(red[0] / f32(cols) + pf(2u));
  for (var j = lid.x; j < cols; j += 256u) { out[base + j] = (x[base + j] * r) * w[j]; }
}`;

/**
 * matmul: out[n, N] = x[n, K] W^T + bias, over the part's rows [rowStart, rowStart + rowCount).
 * A workgroup of 64 handles 8 output columns x a tile of 8 tokens: 8 lanes per column stride over K,
 * so each weight element is read once per tile and short rows keep every thread busy.
 * P = [n, K, N, rowStart, rowCount, dtype, hasBias, tiles].
 */
export const MATMUL = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<u32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
${WLOAD}
const TT = 8u;
var<workgroup> red: array<f32, 512>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let id = linearId(wid, nwg);
  let rowCount = p(4u);
  let colGroups = (rowCount + 7u) / 8u;
  if (id >= colGroups * p(7u)) { return; }
  let n = p(0u); let K = p(1u); let N = p(2u); let dtype = p(5u);
  let lane = lid.x % 8u;
  let rl = (id % colGroups) * 8u + lid.x / 8u;
  let t0 = (id / colGroups) * TT;
  let tn = min(TT, n - t0);
  var acc: array<f32, 8>;
  if (rl < rowCount) {
    for (var j = lane; j < K; j += 8u) {
      let wv = wload(rl * K + j, dtype);
      for (var t = 0u; t < tn; t++) { acc[t] += x[(t0 + t) * K + j] * wv; }
    }
  }
  for (var t = 0u; t < TT; t++) { red[t * 64u + lid.x] = acc[t]; }
  workgroupBarrier();
  for (var s = 4u; s > 0u; s >>= 1u) {
    if (lane < s) {
      for (var t = 0u; t < TT; t++) { red[t * 64u + lid.x] += red[t * 64u + lid.x + s]; }
    }
    workgroupBarrier();
  }
  if (lane < tn && rl < rowCount) {
    let r = p(3u) + rl;
    var v = red[lane * 64u + lid.x - lane];
    if (p(6u) != 0u) { v += bias[r]; }
    out[(t0 + lane) * N + r] = v;
  }
}`;

/** rope in place: thread per (token, head, j < half); cos/sin [n, half] in A (computed on the host as ref does). P = [n, heads, headDim]. */
export const ROPE = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * 64u;
  let n = p(0u); let heads = p(1u); let hd = p(2u); let half = hd / 2u;
  if (idx >= n * heads * half) { return; }
  let j = idx % half; let h = (idx / half) % heads; let i = idx / (half * heads);
  let c = A[i * half + j];
  let s = A[n * half + i * half + j];
  let at = i * heads * hd + h * hd + j;
  let x1 = x[at]; let x2 = x[at + half];
  x[at] = x1 * c - x2 * s;
  x[at + half] = x2 * c + x1 * s;
}`;

/** add: out = a + b. P = [count]. */
export const ADD = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * 64u;
  if (idx >= p(0u)) { return; }
  out[idx] = a[idx] + b[idx];
}`;

/** add in place (WebGPU forbids binding one buffer as both read-only and writable): x += b. P = [count]. */
export const ADD_IN_PLACE = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> x: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * 64u;
  if (idx >= p(0u)) { return; }
  x[idx] = x[idx] + b[idx];
}`;

/** gatherRows: out[i] = x[rows[i]], rows in A. P = [n, cols]. */
export const GATHER = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> A: array<u32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * 64u;
  let n = p(0u); let cols = p(1u);
  if (idx >= n * cols) { return; }
  out[idx] = x[A[idx / cols] * cols + idx % cols];
}`;

/**
 * KV write: k, v rows into the layer's cache at (slot, pos) (pos % cap on sliding layers).
 * A = [slots n, positions n]. P = [n, rowSize, cap, sliding].
 */
export const KV_WRITE = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> A: array<u32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read_write> kc: array<f32>;
@group(0) @binding(5) var<storage, read_write> vc: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * 64u;
  let n = p(0u); let rs = p(1u); let cap = p(2u);
  if (idx >= n * rs) { return; }
  let i = idx / rs; let e = idx % rs;
  let slot = A[i]; let pos = A[n + i];
  let at = select(pos, pos % cap, p(3u) != 0u);
  kc[(slot * cap + at) * rs + e] = k[idx];
  vc[(slot * cap + at) * rs + e] = v[idx];
}`;

/**
 * Attention with sinks, one workgroup of 64 per (token, head), online softmax over tiles of 64 keys
 * (each thread scores one key, then the threads share the tile's weights and split the head dim).
 * A = [slots n, positions n]. P = [n, heads, kvHeads, headDim, window, cap, sliding, smScale].
 */
export const ATTEND = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> A: array<u32>;
@group(0) @binding(2) var<storage, read> q: array<f32>;
@group(0) @binding(3) var<storage, read> kc: array<f32>;
@group(0) @binding(4) var<storage, read> vc: array<f32>;
@group(0) @binding(5) var<storage, read> sinks: array<f32>;
@group(0) @binding(6) var<storage, read_write> out: array<f32>;
const MAX_HD = 256u;
var<workgroup> qs: array<f32, 256>;
var<workgroup> ps: array<f32, 64>;
var<workgroup> red: array<f32, 64>;
var<workgroup> slotPos: array<u32, 2>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let id = linearId(wid, nwg);
  let n = p(0u); let heads = p(1u); let kvHeads = p(2u); let hd = p(3u);
  let window = p(4u); let cap = p(5u); let sliding = p(6u) != 0u; let smScale = pf(7u);
  if (id >= n * heads) { return; }
  let i = id / heads; let h = id % heads;
  let kvh = h / (heads / kvHeads);
  let rs = kvHeads * hd;
  if (lid.x == 0u) { slotPos[0] = A[i]; slotPos[1] = A[n + i]; }
  let slot = workgroupUniformLoad(&slotPos[0]);
  let qpos = workgroupUniformLoad(&slotPos[1]);
  for (var d = lid.x; d < hd; d += 64u) { qs[d] = q[i * heads * hd + h * hd + d]; }
  var first = 0u;
  if (window > 0u && qpos + 1u > window) { first = qpos + 1u - window; }
  let sink = sinks[h];
  var m = sink;
  var l = 1.0;
  var acc: array<f32, 4>;
  workgroupBarrier();
  for (var start = first; start <= qpos; start += 64u) {
    let kpos = start + lid.x;
    var s = -3.0e38;
    let valid = kpos <= qpos;
    if (valid) {
      let at = select(kpos, kpos % cap, sliding);
      let kb = (slot * cap + at) * rs + kvh * hd;
      var dot = 0.0;
      for (var d = 0u; d < hd; d++) { dot += qs[d] * kc[kb + d]; }
      s = dot * smScale;
    }
    red[lid.x] = s;
    workgroupBarrier();
    for (var r = 32u; r > 0u; r >>= 1u) {
      if (lid.x < r) { red[lid.x] = max(red[lid.x], red[lid.x + r]); }
      workgroupBarrier();
    }
    let newM = max(m, red[0]);
    workgroupBarrier();
    var pr = 0.0;
    if (valid) { pr = exp(s - newM); }
    ps[lid.x] = pr;
    red[lid.x] = pr;
    workgroupBarrier();
    for (var r = 32u; r > 0u; r >>= 1u) {
      if (lid.x < r) { red[lid.x] += red[lid.x + r]; }
      workgroupBarrier();
    }
    let scale = exp(m - newM);
    l = l * scale + red[0];
    m = newM;
    let count = min(64u, qpos + 1u - start);
    for (var c = 0u; c < 4u; c++) {
      let d = lid.x + c * 64u;
      if (d < hd) {
        var a = acc[c] * scale;
        for (var kk = 0u; kk < count; kk++) {
          let at = select(start + kk, (start + kk) % cap, sliding);
          a += ps[kk] * vc[(slot * cap + at) * rs + kvh * hd + d];
        }
        acc[c] = a;
      }
    }
    workgroupBarrier();
  }
  for (var c = 0u; c < 4u; c++) {
    let d = lid.x + c * 64u;
    if (d < hd) { out[i * heads * hd + h * hd + d] = acc[c] / l; }
  }
}`;

/**
 * MoE router tail: per token, the top-k of the router logits (largest first, ties to the lower
 * index) and the softmax over them. P = [n, E, k]. ids and weights [n, k].
 */
export const TOPK = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read_write> ids: array<u32>;
@group(0) @binding(3) var<storage, read_write> weights: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = gid.x + gid.y * nwg.x * 64u;
  let n = p(0u); let E = p(1u); let k = p(2u);
  if (t >= n) { return; }
  var taken: array<u32, 8>;
  var top: array<f32, 32>;
  for (var j = 0u; j < k; j++) {
    var best = 0xffffffffu;
    var bv = 0.0;
    for (var e = 0u; e < E; e++) {
      if ((taken[e / 32u] & (1u << (e % 32u))) != 0u) { continue; }
      let v = logits[t * E + e];
      if (best == 0xffffffffu || v > bv) { best = e; bv = v; }
    }
    taken[best / 32u] |= 1u << (best % 32u);
    ids[t * k + j] = best;
    top[j] = bv;
  }
  var denom = 0.0;
  for (var j = 0u; j < k; j++) { denom += exp(top[j] - top[0]); }
  for (var j = 0u; j < k; j++) { weights[t * k + j] = exp(top[j] - top[0]) / denom; }
}`;

/** MXFP4 decode of block word `w` (8 values) element `e` (0..7, low nibble first) times the scale. */
const MXFP4 = /* wgsl */ `
const FP4 = array<f32, 16>(0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, -0.0, -0.5, -1.0, -1.5, -2.0, -3.0, -4.0, -6.0);
fn scaleOf(idx: u32) -> f32 {
  let s = (S[idx >> 2u] >> (8u * (idx & 3u))) & 0xffu;
  return ldexp(1.0, i32(s) - 127);
}
/** Dot of 32 MXFP4 weights (block b of the part) with xs[x0 .. x0 + 32). */
fn blockDot(b: u32, x0: u32) -> f32 {
  let sc = scaleOf(b);
  var s = 0.0;
  for (var w = 0u; w < 4u; w++) {
    let word = B[b * 4u + w];
    for (var e = 0u; e < 8u; e++) {
      s += FP4[(word >> (4u * e)) & 15u] * X[x0 + w * 8u + e];
    }
  }
  return s * sc;
}
`;

/**
 * Expert up-projection fused with SwiGLU: a workgroup of 64 handles one assignment a = token * k + j
 * and 8 consecutive i < I (8 lanes each over the H/32 blocks of rows 2i (glu) and 2i+1 (linear) of
 * expert ids[a]), if that expert lives in this part. P = [assignments, H, I, eStart, eCount, k, swigluLimit, swigluAlpha].
 */
export const MOE_UP = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> ids: array<u32>;
@group(0) @binding(3) var<storage, read> B: array<u32>;
@group(0) @binding(4) var<storage, read> S: array<u32>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;
@group(0) @binding(6) var<storage, read_write> act: array<f32>;
${MXFP4}
var<workgroup> red: array<f32, 128>;
var<workgroup> expert: u32;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let id = linearId(wid, nwg);
  let H = p(1u); let I = p(2u); let eStart = p(3u); let eCount = p(4u); let k = p(5u);
  let iGroups = (I + 7u) / 8u;
  if (id >= p(0u) * iGroups) { return; }
  let a = id / iGroups;
  let lane = lid.x % 8u;
  let i = (id % iGroups) * 8u + lid.x / 8u;
  if (lid.x == 0u) { expert = ids[a]; }
  let e = workgroupUniformLoad(&expert);
  if (e < eStart || e >= eStart + eCount) { return; }
  let groups = H / 32u;
  let x0 = (a / k) * H;
  var g = 0.0; var l = 0.0;
  if (i < I) {
    let rowG = ((e - eStart) * 2u * I + 2u * i) * groups;
    let rowL = rowG + groups;
    for (var b = lane; b < groups; b += 8u) {
      g += blockDot(rowG + b, x0 + b * 32u);
      l += blockDot(rowL + b, x0 + b * 32u);
    }
  }
  red[lid.x] = g; red[64u + lid.x] = l;
  workgroupBarrier();
  for (var s = 4u; s > 0u; s >>= 1u) {
    if (lane < s) { red[lid.x] += red[lid.x + s]; red[64u + lid.x] += red[64u + lid.x + s]; }
    workgroupBarrier();
  }
  if (lane == 0u && i < I) {
    let limit = pf(6u); let alpha = pf(7u);
    let glu = min(red[lid.x] + bias[e * 2u * I + 2u * i], limit);
    let lin = clamp(red[64u + lid.x] + bias[e * 2u * I + 2u * i + 1u], -limit, limit);
    act[a * I + i] = (glu * (1.0 / (1.0 + exp(-(alpha * glu))))) * (lin + 1.0);
  }
}`;

/**
 * Expert down-projection: a workgroup of 64 per (assignment a, 8 consecutive c < H), 8 lanes per row:
 * y[a, c] = act[a] . W2[e, c] + b2[e, c]. P = [assignments, H, I, eStart, eCount].
 */
export const MOE_DOWN = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> ids: array<u32>;
@group(0) @binding(3) var<storage, read> B: array<u32>;
@group(0) @binding(4) var<storage, read> S: array<u32>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;
${MXFP4}
var<workgroup> red: array<f32, 64>;
var<workgroup> expert: u32;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let id = linearId(wid, nwg);
  let H = p(1u); let I = p(2u); let eStart = p(3u); let eCount = p(4u);
  let cGroups = (H + 7u) / 8u;
  if (id >= p(0u) * cGroups) { return; }
  let a = id / cGroups;
  let lane = lid.x % 8u;
  let c = (id % cGroups) * 8u + lid.x / 8u;
  if (lid.x == 0u) { expert = ids[a]; }
  let e = workgroupUniformLoad(&expert);
  if (e < eStart || e >= eStart + eCount) { return; }
  let groups = I / 32u;
  var s = 0.0;
  if (c < H) {
    let row = ((e - eStart) * H + c) * groups;
    for (var b = lane; b < groups; b += 8u) { s += blockDot(row + b, a * I + b * 32u); }
  }
  red[lid.x] = s;
  workgroupBarrier();
  for (var r = 4u; r > 0u; r >>= 1u) {
    if (lane < r) { red[lid.x] += red[lid.x + r]; }
    workgroupBarrier();
  }
  if (lane == 0u && c < H) { y[a * H + c] = red[lid.x] + bias[e * H + c]; }
}`;

/** Weighted sum over each token's k experts: out[t, c] = sum_j w[t, j] y[t * k + j, c]. P = [n, H, k]. */
export const MOE_COMBINE = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> weights: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * 64u;
  let n = p(0u); let H = p(1u); let k = p(2u);
  if (idx >= n * H) { return; }
  let t = idx / H; let c = idx % H;
  var s = 0.0;
  for (var j = 0u; j < k; j++) { s += weights[t * k + j] * y[(t * k + j) * H + c]; }
  out[idx] = s;
}`;

/** Bandwidth probe: dst = src, vec4 per thread. P = [count of vec4]. */
export const COPY = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<f32>>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * 256u;
  if (idx >= p(0u)) { return; }
  dst[idx] = src[idx];
}`;
