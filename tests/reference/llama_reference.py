#!/usr/bin/python3
"""Independent NumPy reference forward pass for Llama-family models (issue #5).

servir's parity tests compare their logits against this script, so it shares
nothing with the C++ code: it parses GGUF and safetensors itself and follows
the Hugging Face / llama.cpp definitions of the model directly. It is written
for readability, not speed: every greedy step re-runs the whole sequence.

All arithmetic is done in float64 (weights are widened from their stored
F32/F16/BF16 values, which float64 holds exactly), so the reference is more
precise than any F32 engine and differences are attributable to the engine.
`--dtype float32` is available to see how large F32 rounding effects are.

Usage:
  llama_reference.py --model PATH --tokens 1,2,3 [--greedy N] --out OUT.json
PATH is a .gguf file or a Hugging Face folder (config.json + *.safetensors).
Needs only Debian's python3-numpy: run it with /usr/bin/python3.
"""
import argparse
import json
import math
import os
import re
import struct
import sys
import time

import numpy as np


def fail(msg):
    sys.exit(f"llama_reference: {msg}")


# ---------------------------------------------------------------- GGUF reading
# GGUF value type ids -> struct format (scalars); 8 = string, 9 = array.
GGUF_SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
# ggml tensor types we can widen; every quantized type is refused, because a
# reference that dequantizes would be only as trustworthy as its dequantizer.
GGML_FLOAT_TYPES = {0: ("F32", np.float32), 1: ("F16", np.float16), 30: ("BF16", None)}
GGML_QUANT_NAMES = {2: "Q4_0", 3: "Q4_1", 6: "Q5_0", 7: "Q5_1", 8: "Q8_0", 9: "Q8_1", 10: "Q2_K", 11: "Q3_K",
                    12: "Q4_K", 13: "Q5_K", 14: "Q6_K", 15: "Q8_K"}


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, fmt):
        vals = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return vals[0] if len(vals) == 1 else vals

    def string(self):
        n = self.take("Q")
        s = bytes(self.data[self.pos:self.pos + n]).decode("utf-8", errors="replace")
        self.pos += n
        return s

    def value(self, vtype):
        if vtype in GGUF_SCALARS:
            return self.take(GGUF_SCALARS[vtype])
        if vtype == 8:
            return self.string()
        if vtype == 9:
            elem_type, n = self.take("I"), self.take("Q")
            return [self.value(elem_type) for _ in range(n)]
        fail(f"unknown GGUF value type {vtype} at byte {self.pos}")


def bf16_to_f32(raw_u16):
    # bfloat16 is the top half of a float32.
    return (raw_u16.astype(np.uint32) << 16).view(np.float32)


def read_gguf(path):
    data = np.memmap(path, dtype=np.uint8, mode="r")
    r = Reader(data)
    if bytes(data[:4]) != b"GGUF":
        fail(f"{path}: not a GGUF file")
    r.pos = 4
    version = r.take("I")
    if version not in (2, 3):  # v1 used 32-bit counts; no such files in use
        fail(f"{path}: GGUF version {version} not supported (2, 3)")
    n_tensors, n_kv = r.take("Q"), r.take("Q")
    meta = {}
    for _ in range(n_kv):
        key = r.string()
        meta[key] = r.value(r.take("I"))
    infos = []
    for _ in range(n_tensors):
        name = r.string()
        ne = [r.take("Q") for _ in range(r.take("I"))]
        infos.append((name, ne, r.take("I"), r.take("Q")))
    align = meta.get("general.alignment", 32)
    base = (r.pos + align - 1) // align * align
    tensors = {}
    for name, ne, gtype, offset in infos:
        if gtype not in GGML_FLOAT_TYPES:
            fail(f"{path}: tensor {name} has ggml type {GGML_QUANT_NAMES.get(gtype, gtype)}; the reference reads only F32/F16/BF16 "
                 "(dequantize or make an F32 model for parity tests)")
        count = int(np.prod(ne))
        # ne[0] is the innermost (fastest) dimension, so NumPy's shape is reversed.
        shape = tuple(reversed(ne))
        start = base + offset
        if gtype == 0:
            arr = np.frombuffer(data, np.float32, count, start)
        elif gtype == 1:
            arr = np.frombuffer(data, np.float16, count, start).astype(np.float32)
        else:
            arr = bf16_to_f32(np.frombuffer(data, np.uint16, count, start))
        tensors[name] = arr.reshape(shape)
    return meta, tensors


# --------------------------------------------------------- safetensors reading
ST_DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": np.uint16}


def read_safetensors(path, into):
    data = np.memmap(path, dtype=np.uint8, mode="r")
    header_len = struct.unpack_from("<Q", data, 0)[0]
    header = json.loads(bytes(data[8:8 + header_len]))
    base = 8 + header_len
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] not in ST_DTYPES:
            fail(f"{path}: tensor {name} has dtype {info['dtype']}; only F32/F16/BF16 are read")
        begin, end = info["data_offsets"]
        arr = np.frombuffer(data[base + begin:base + end], ST_DTYPES[info["dtype"]])
        arr = bf16_to_f32(arr) if info["dtype"] == "BF16" else arr.astype(np.float32)
        into[name] = arr.reshape(info["shape"])


def read_hf_folder(path):
    index = os.path.join(path, "model.safetensors.index.json")
    if os.path.exists(index):
        files = sorted(set(json.load(open(index))["weight_map"].values()))
    else:
        files = sorted(f for f in os.listdir(path) if f.endswith(".safetensors"))
    if not files:
        fail(f"{path}: no .safetensors files")
    tensors = {}
    for f in files:
        read_safetensors(os.path.join(path, f), tensors)
    return tensors


# ----------------------------------------------------- one config, one naming
# Everything below uses the GGUF tensor names; HF names are mapped onto them.
HF_LAYER_NAMES = {
    "input_layernorm.weight": "attn_norm.weight", "post_attention_layernorm.weight": "ffn_norm.weight",
    "self_attn.q_proj.weight": "attn_q.weight", "self_attn.k_proj.weight": "attn_k.weight",
    "self_attn.v_proj.weight": "attn_v.weight", "self_attn.o_proj.weight": "attn_output.weight",
    "self_attn.q_proj.bias": "attn_q.bias", "self_attn.k_proj.bias": "attn_k.bias",
    "self_attn.v_proj.bias": "attn_v.bias",
    "self_attn.q_norm.weight": "attn_q_norm.weight", "self_attn.k_norm.weight": "attn_k_norm.weight",
    "mlp.gate_proj.weight": "ffn_gate.weight", "mlp.up_proj.weight": "ffn_up.weight",
    "mlp.down_proj.weight": "ffn_down.weight",
}
HF_GLOBAL_NAMES = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
                   "lm_head.weight": "output.weight"}


def hf_name(name):
    if name in HF_GLOBAL_NAMES:
        return HF_GLOBAL_NAMES[name]
    m = re.fullmatch(r"model\.layers\.(\d+)\.(.+)", name)
    if m and m.group(2) in HF_LAYER_NAMES:
        return f"blk.{m.group(1)}.{HF_LAYER_NAMES[m.group(2)]}"
    if name.endswith("rotary_emb.inv_freq"):  # derived state some checkpoints carry
        return None
    fail(f"unknown Hugging Face tensor name {name}")


def load_model(path):
    """Returns (cfg, tensors): cfg a plain dict, tensors keyed by GGUF names."""
    if os.path.isdir(path):
        hf = json.load(open(os.path.join(path, "config.json")))
        tensors = {}
        for name, t in read_hf_folder(path).items():
            if (internal := hf_name(name)) is not None:
                tensors[internal] = t
        arch = hf.get("model_type") or hf["architectures"][0]
        arch = {"LlamaForCausalLM": "llama", "MistralForCausalLM": "mistral", "Qwen2ForCausalLM": "qwen2",
                "Qwen3ForCausalLM": "qwen3"}.get(arch, arch)
        n_heads = hf["num_attention_heads"]
        head_dim = hf.get("head_dim") or hf["hidden_size"] // n_heads
        cfg = dict(arch=arch, n_layers=hf["num_hidden_layers"], n_heads=n_heads,
                   n_kv_heads=hf.get("num_key_value_heads") or n_heads, head_dim=head_dim,
                   rope_dim=int(round(head_dim * hf.get("partial_rotary_factor", 1.0))),
                   rope_theta=hf.get("rope_theta", 10000.0), eps=hf.get("rms_norm_eps", 1e-6),
                   rope_layout="neox", scaling=hf.get("rope_scaling"), sliding_window=None,
                   max_positions=hf.get("max_position_embeddings", 2048))
        # Mistral's config carries the window; Qwen2's is off unless use_sliding_window.
        if hf.get("sliding_window") and hf.get("use_sliding_window", arch == "mistral"):
            cfg["sliding_window"] = hf["sliding_window"]
        # In HF checkpoints the old-style "type" key means the same as "rope_type".
        if cfg["scaling"] and "rope_type" not in cfg["scaling"]:
            cfg["scaling"]["rope_type"] = cfg["scaling"].get("type")
    else:
        meta, tensors = read_gguf(path)
        arch = meta["general.architecture"]
        k = lambda key, default=None: meta.get(f"{arch}.{key}", default)
        n_heads = k("attention.head_count")
        head_dim = k("attention.key_length", k("embedding_length") // n_heads)
        cfg = dict(arch=arch, n_layers=k("block_count"), n_heads=n_heads,
                   n_kv_heads=k("attention.head_count_kv", n_heads), head_dim=head_dim,
                   rope_dim=k("rope.dimension_count", head_dim), rope_theta=k("rope.freq_base", 10000.0),
                   eps=k("attention.layer_norm_rms_epsilon", 1e-5),
                   # llama.cpp's converter permutes llama/mistral Q/K rows so that
                   # RoPE rotates adjacent pairs; other archs keep the HF (NeoX) order.
                   rope_layout="interleaved" if arch in ("llama", "mistral") else "neox",
                   scaling=None, sliding_window=k("attention.sliding_window") if arch == "mistral" else None,
                   max_positions=k("context_length"))
        stype = k("rope.scaling.type")
        if stype in ("linear",):
            cfg["scaling"] = {"rope_type": "linear", "factor": k("rope.scaling.factor", 1.0)}
        elif stype == "yarn":
            # llama.cpp's converter keys for an HF yarn rope_scaling; yarn_attn_factor
            # holds HF's attention_factor. Keys without an HF meaning are refused.
            for key, neutral in (("rope.scaling.attn_factor", 1.0), ("rope.scaling.yarn_log_multiplier", 0.0),
                                 ("rope.scaling.yarn_ext_factor", 1.0)):
                if k(key, neutral) != neutral:
                    fail(f"{path}: {key} = {k(key)} not supported by the reference")
            cfg["scaling"] = {"rope_type": "yarn", "factor": k("rope.scaling.factor"),
                              "original_max_position_embeddings": k("rope.scaling.original_context_length"),
                              "beta_fast": k("rope.scaling.yarn_beta_fast"),
                              "beta_slow": k("rope.scaling.yarn_beta_slow"),
                              "attention_factor": k("rope.scaling.yarn_attn_factor")}
        elif stype not in (None, "none"):
            fail(f"{path}: rope scaling {stype} not supported by the reference")
        cfg["tokens"] = meta.get("tokenizer.ggml.tokens")
    if arch not in ("llama", "mistral", "qwen2", "qwen3"):
        fail(f"architecture {arch} not supported (llama, mistral, qwen2, qwen3)")
    # Tied embeddings in either direction: tinystories-656k stores only lm_head.
    tensors.setdefault("output.weight", tensors.get("token_embd.weight"))
    tensors.setdefault("token_embd.weight", tensors.get("output.weight"))
    if tensors["token_embd.weight"] is None:
        fail(f"{path}: neither embeddings nor output projection found")
    return cfg, tensors


# ------------------------------------------------------------------ the model
def yarn_inv_freq(inv_freq, s, rot, base, max_positions):
    """transformers' _compute_yarn_parameters: (inv_freq, attention_factor).

    Pair i turns ctx * inv_freq[i] / (2 pi) times over the original context.
    Pairs turning more than beta_fast times keep their frequency, pairs turning
    fewer than beta_slow times are slowed by `factor`, and a linear ramp over
    the pair index blends the two between the two (floored/ceiled) indices.
    """
    ctx = s.get("original_max_position_embeddings") or max_positions
    factor = s.get("factor")
    if factor is None:
        factor = max_positions / ctx
    beta_fast, beta_slow = s.get("beta_fast") or 32, s.get("beta_slow") or 1

    def dim_turning(n):  # solves ctx * base^(-d / rot) = 2 pi n for d (d = 2i)
        return rot * math.log(ctx / (n * 2 * math.pi)) / (2 * math.log(base))

    low, high = dim_turning(beta_fast), dim_turning(beta_slow)
    if s.get("truncate", True):
        low, high = math.floor(low), math.ceil(high)
    low, high = max(low, 0), min(high, rot - 1)
    if low == high:
        high += 0.001
    interpolated = np.clip((np.arange(rot // 2, dtype=np.float64) - low) / (high - low), 0, 1)
    inv_freq = inv_freq / factor * interpolated + inv_freq * (1 - interpolated)

    def get_mscale(scale, m=1.0):
        return 1.0 if scale <= 1 else 0.1 * m * math.log(scale) + 1.0

    attention = s.get("attention_factor")
    if attention is None:
        if s.get("mscale") and s.get("mscale_all_dim"):
            attention = get_mscale(factor, s["mscale"]) / get_mscale(factor, s["mscale_all_dim"])
        else:
            attention = get_mscale(factor)
    return inv_freq, attention


def rope_inv_freq(cfg, tensors):
    """(inv_freq [rope_dim / 2], factor on cos and sin)."""
    rot = cfg["rope_dim"]
    inv_freq = 1.0 / cfg["rope_theta"] ** (np.arange(0, rot, 2, dtype=np.float64) / rot)
    s = cfg["scaling"] or {}
    kind = s.get("rope_type")
    if "rope_freqs.weight" in tensors:
        # GGUF conversions of llama3-scaled models ship the per-frequency divisors.
        inv_freq = inv_freq / tensors["rope_freqs.weight"].astype(np.float64)
    elif kind == "linear":
        inv_freq = inv_freq / s["factor"]
    elif kind == "llama3":
        # transformers' _compute_llama3_parameters: long wavelengths are slowed
        # by `factor`, short ones kept, the band in between interpolated.
        factor, lo, hi = s["factor"], s.get("low_freq_factor", 1.0), s.get("high_freq_factor", 4.0)
        old_ctx = s["original_max_position_embeddings"]
        wavelen = 2 * math.pi / inv_freq
        smooth = (old_ctx / wavelen - lo) / (hi - lo)
        scaled = np.where(wavelen > old_ctx / lo, inv_freq / factor, inv_freq)
        medium = (wavelen >= old_ctx / hi) & (wavelen <= old_ctx / lo)
        inv_freq = np.where(medium, (1 - smooth) * inv_freq / factor + smooth * inv_freq, scaled)
    elif kind == "yarn":
        return yarn_inv_freq(inv_freq, s, rot, cfg["rope_theta"], cfg["max_positions"])
    elif kind not in (None, "default"):
        fail(f"rope scaling {kind} not supported by the reference")
    return inv_freq, 1.0


def apply_rope(x, positions, inv_freq, layout, magnitude=1.0):
    """x: [seq, heads, head_dim]; rotates the first rope_dim dims of each head,
    scaled by `magnitude` (YaRN's attention factor)."""
    rot = 2 * len(inv_freq)
    angle = positions[:, None].astype(np.float64) * inv_freq[None, :]  # [seq, rot/2]
    cos = (magnitude * np.cos(angle))[:, None, :].astype(x.dtype)
    sin = (magnitude * np.sin(angle))[:, None, :].astype(x.dtype)
    out = x.copy()
    if layout == "interleaved":
        a, b = x[..., 0:rot:2], x[..., 1:rot:2]
        out[..., 0:rot:2], out[..., 1:rot:2] = a * cos - b * sin, a * sin + b * cos
    else:  # neox: dimension i pairs with i + rot/2
        a, b = x[..., :rot // 2], x[..., rot // 2:rot]
        out[..., :rot // 2], out[..., rot // 2:rot] = a * cos - b * sin, a * sin + b * cos
    return out


def rms_norm(x, weight, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * weight


def forward(cfg, W, tokens):
    """Logits [len(tokens), vocab] for a fresh sequence starting at position 0."""
    seq, nh, nkv, hd, eps = len(tokens), cfg["n_heads"], cfg["n_kv_heads"], cfg["head_dim"], cfg["eps"]
    positions = np.arange(seq)
    inv_freq, magnitude = rope_inv_freq(cfg, W)
    # Causal mask, narrowed to the window for sliding-window models
    # (llama.cpp/HF: key j is visible from query i when 0 <= i - j < window).
    dist = positions[:, None] - positions[None, :]
    visible = dist >= 0
    if cfg.get("sliding_window"):
        visible &= dist < cfg["sliding_window"]
    mask = np.where(visible, 0.0, -np.inf).astype(W["token_embd.weight"].dtype)

    x = W["token_embd.weight"][np.asarray(tokens)]
    for i in range(cfg["n_layers"]):
        L = lambda name: W.get(f"blk.{i}.{name}")
        h = rms_norm(x, L("attn_norm.weight"), eps)
        q, k, v = h @ L("attn_q.weight").T, h @ L("attn_k.weight").T, h @ L("attn_v.weight").T
        if L("attn_q.bias") is not None:  # qwen2
            q, k, v = q + L("attn_q.bias"), k + L("attn_k.bias"), v + L("attn_v.bias")
        q, k, v = q.reshape(seq, nh, hd), k.reshape(seq, nkv, hd), v.reshape(seq, nkv, hd)
        if L("attn_q_norm.weight") is not None:  # qwen3: per-head norm, before RoPE
            q, k = rms_norm(q, L("attn_q_norm.weight"), eps), rms_norm(k, L("attn_k_norm.weight"), eps)
        q = apply_rope(q, positions, inv_freq, cfg["rope_layout"], magnitude)
        k = apply_rope(k, positions, inv_freq, cfg["rope_layout"], magnitude)
        # GQA: query head j reads kv head j // (nh / nkv).
        group = nh // nkv
        k, v = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)
        scores = np.einsum("qhd,khd->hqk", q, k) / math.sqrt(hd) + mask
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        probs = scores / scores.sum(axis=-1, keepdims=True)
        attn = np.einsum("hqk,khd->qhd", probs, v).reshape(seq, nh * hd)
        x = x + attn @ L("attn_output.weight").T

        h = rms_norm(x, L("ffn_norm.weight"), eps)
        gate, up = h @ L("ffn_gate.weight").T, h @ L("ffn_up.weight").T
        x = x + (gate / (1.0 + np.exp(-gate)) * up) @ L("ffn_down.weight").T  # SwiGLU
    return rms_norm(x, W["output_norm.weight"], eps) @ W["output.weight"].T


def greedy(cfg, W, tokens, n):
    seq = list(tokens)
    for _ in range(n):
        seq.append(int(np.argmax(forward(cfg, W, seq)[-1])))
    return seq[len(tokens):]


# ------------------------------------------------------ detokenizing (checks)
def load_pieces(path, cfg):
    """The id -> piece table: GGUF tokenizer.ggml.tokens or tokenizer.json's vocab."""
    if cfg.get("tokens"):
        return cfg["tokens"], False
    tj = json.load(open(os.path.join(path, "tokenizer.json")))
    vocab = dict(tj["model"]["vocab"])
    for t in tj.get("added_tokens", []):
        vocab[t["content"]] = t["id"]
    pieces = [""] * (max(vocab.values()) + 1)
    for piece, i in vocab.items():
        pieces[i] = piece
    byte_level = "ByteLevel" in json.dumps(tj.get("decoder"))
    return pieces, byte_level


def detokenize(ids, pieces, byte_level):
    if byte_level:  # GPT-2's printable stand-ins for the 256 byte values
        printable = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
        chars = printable + [256 + n for n in range(256 - len(printable))]
        byte_of = {chr(c): b for c, b in zip(chars, printable + [b for b in range(256) if b not in printable])}
        return bytes(byte_of.get(ch, 0) for i in ids for ch in pieces[i]).decode("utf-8", errors="replace")
    out = bytearray()  # SentencePiece: '▁' is a space, <0xNN> a raw byte
    for i in ids:
        m = re.fullmatch(r"<0x([0-9A-Fa-f]{2})>", pieces[i])
        out += bytes([int(m.group(1), 16)]) if m else pieces[i].replace("\u2581", " ").encode()
    return out.decode("utf-8", errors="replace")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True, help=".gguf file or Hugging Face folder")
    ap.add_argument("--tokens", required=True, help="comma-separated prompt token ids")
    ap.add_argument("--greedy", type=int, default=0, help="also decode N greedy continuation tokens")
    ap.add_argument("--out", help="write {'logits': [...], 'greedy_tokens': [...]} here")
    ap.add_argument("--positions-only-last", action="store_true", help="emit only the last prompt row")
    ap.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    ap.add_argument("--rope-layout", choices=["interleaved", "neox"],
                    help="override the file's RoPE pairing (to test the GGUF permutation convention)")
    ap.add_argument("--ignore-rope-scaling", action="store_true",
                    help="drop the file's RoPE scaling (to show that a parity test depends on it)")
    ap.add_argument("--print-text", action="store_true", help="print prompt + greedy tokens as text")
    args = ap.parse_args()

    tokens = [int(t) for t in args.tokens.split(",") if t.strip()]
    if not tokens:
        fail("--tokens is empty")
    t0 = time.time()
    cfg, tensors = load_model(args.model)
    if args.rope_layout:
        cfg["rope_layout"] = args.rope_layout
    if args.ignore_rope_scaling:
        cfg["scaling"] = None
        tensors.pop("rope_freqs.weight", None)
    dtype = np.dtype(args.dtype)
    W = {name: t.astype(dtype) for name, t in tensors.items()}
    vocab = W["output.weight"].shape[0]
    if max(tokens) >= vocab or min(tokens) < 0:
        fail(f"token id out of range (vocab {vocab})")

    logits = forward(cfg, W, tokens)
    if args.positions_only_last:
        logits = logits[-1:]
    result = {"logits": logits.astype(np.float64).tolist(), "greedy_tokens": greedy(cfg, W, tokens, args.greedy)}
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f)
    if args.print_text:
        pieces, byte_level = load_pieces(args.model, cfg)
        print(detokenize(tokens + result["greedy_tokens"], pieces, byte_level))
    print(f"llama_reference: {cfg['arch']} {len(tokens)} prompt + {args.greedy} greedy tokens, "
          f"{time.time() - t0:.2f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
