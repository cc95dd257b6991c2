#!/usr/bin/python3
"""Self-checks of llama_reference.py, so that the C++ parity tests can trust it.

1. The real tiny models (../shared/models) greedy-decode coherent stories.
2. The GGUF and HF versions of one `servir testmodel` spec hold the same
   numbers and, for qwen2/qwen3 (NeoX in both), give the same logits. For
   llama/mistral the synthetic GGUF stores the same rows but is read with the
   interleaved pairing, so logits differ unless the pairing is overridden.
3. The interleaved RoPE path equals the NeoX path once Q/K rows are permuted
   the way llama.cpp's converter does (checks both layouts against each other).
4. RoPE (both layouts, partial rotary, llama3/linear/yarn scaling) keeps q.k
   a function of the relative position only; YaRN's frequencies and
   attention factor match values worked out by hand.

Usage: check_reference.py [--servir build/servir] [--models ../shared/models]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import llama_reference as ref  # noqa: E402

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def run(path, tokens, n=0, **overrides):
    cfg, tensors = ref.load_model(path)
    cfg.update(overrides)
    W = {k: v.astype(np.float64) for k, v in tensors.items()}
    t0 = time.time()
    logits = ref.forward(cfg, W, tokens)
    out = ref.greedy(cfg, W, tokens, n)
    return cfg, tensors, logits, out, time.time() - t0


def story(path, bos):
    cfg, _, _, ids, secs = run(path, [bos], 64)
    pieces, byte_level = ref.load_pieces(path, cfg)
    text = ref.detokenize(ids, pieces, byte_level)
    print(f"     {os.path.basename(path)} ({secs:.2f} s): {text!r}")
    check(text.lstrip().startswith("Once upon a time"), f"{os.path.basename(path)} greedy story")


def permute_like_llama_cpp(w, n_head):
    # convert_hf_to_gguf.py's LlamaModel.permute: (i, i + d/2) -> (2i, 2i + 1) per head.
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def rope_relative_invariance():
    rng = np.random.default_rng(0)
    q, k = rng.standard_normal((1, 1, 16)), rng.standard_normal((1, 1, 16))
    for layout in ("interleaved", "neox"):
        for rope_dim, scaling in ((16, None), (8, None), (16, {"rope_type": "linear", "factor": 4.0}),
                                  (16, {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                        "high_freq_factor": 4.0, "original_max_position_embeddings": 64}),
                                  (16, {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32})):
            cfg = {"rope_dim": rope_dim, "rope_theta": 10000.0, "scaling": scaling, "max_positions": 128}
            f, m = ref.rope_inv_freq(cfg, {})
            dots = [float(np.sum(ref.apply_rope(q, np.array([p + 5]), f, layout, m) *
                                 ref.apply_rope(k, np.array([p]), f, layout, m))) for p in (0, 7, 100)]
            check(np.ptp(dots) < 1e-9, f"rope {layout} dim {rope_dim} {scaling and scaling['rope_type']}: "
                                       "q.k depends only on relative position")
    # llama3 limits: a huge original context leaves every frequency alone, a
    # tiny one scales every frequency like linear scaling.
    base = ref.rope_inv_freq({"rope_dim": 16, "rope_theta": 1e4, "scaling": None}, {})[0]
    l3 = lambda ctx: ref.rope_inv_freq({"rope_dim": 16, "rope_theta": 1e4, "scaling": {
        "rope_type": "llama3", "factor": 8.0, "original_max_position_embeddings": ctx}}, {})[0]
    check(np.allclose(l3(10 ** 12), base) and np.allclose(l3(1e-3), base / 8), "llama3 scaling limits")
    # YaRN, rope_dim 16, base 1e4, original context 32: the beta_fast (32 turns)
    # dim is 16 ln(32 / 64 pi) / 2 ln 1e4 = -1.59 -> floor -2 -> clamped to 0,
    # the beta_slow (1 turn) dim is 16 ln(32 / 2 pi) / 2 ln 1e4 = 1.41 -> ceil 2,
    # so pair 0 keeps its frequency, pair 1 is half way, pairs 2.. are / factor.
    yarn = lambda **s: ref.rope_inv_freq({"rope_dim": 16, "rope_theta": 1e4, "max_positions": 128, "scaling": dict(
        {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32}, **s)}, {})
    f, m = yarn()
    want = base * np.array([1, 0.5 + 0.5 / 4] + [1 / 4] * 6)
    check(np.allclose(f, want, rtol=1e-12) and abs(m - (1 + 0.1 * np.log(4))) < 1e-12, "yarn frequencies by hand")
    check(yarn(attention_factor=0.5)[1] == 0.5, "yarn attention_factor as stated")
    check(abs(yarn(mscale=0.707, mscale_all_dim=0.707)[1] - 1) < 1e-12, "yarn mscale == mscale_all_dim: factor 1")
    # Without truncation the ramp runs over the fractional dims [0, 1.41].
    want = base * np.array([1] + [1 / 4] * 7)
    want[1] = base[1] * ((1 - 1 / 1.4139) + (1 / 1.4139) / 4)
    check(np.allclose(yarn(truncate=False)[0], want, rtol=1e-4), "yarn without truncation")


def main():
    ap = argparse.ArgumentParser()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--servir", default=os.path.join(root, "build", "servir"))
    ap.add_argument("--models", default=os.path.join(root, "..", "shared", "models"))
    args = ap.parse_args()

    if os.path.isdir(args.models):
        story(os.path.join(args.models, "stories260K.gguf"), 1)
        story(os.path.join(args.models, "tinystories-656k"), 1)
    rope_relative_invariance()

    tokens = [1, 5, 17, 99, 3, 64, 127, 8, 42, 0, 11, 76]
    spec = "--hidden 64 --layers 2 --heads 4 --kv-heads 2 --ffn 96 --vocab 128 --seed 1".split()
    with tempfile.TemporaryDirectory() as tmp:
        for arch in ("llama", "mistral", "qwen2", "qwen3"):
            for tie in ([], ["--tie-embeddings"]):
                name = arch + ("-tied" if tie else "")
                gguf, hf = os.path.join(tmp, name + ".gguf"), os.path.join(tmp, name + "-hf")
                for out in (gguf, hf):
                    subprocess.run([args.servir, "testmodel", "--arch", arch, *spec, *tie, "--out", out], check=True)
                cg, tg, lg, gg, sg = run(gguf, tokens, 8)
                ch, th, lh, gh, sh = run(hf, tokens, 8)
                same = set(tg) == set(th) and all(np.array_equal(tg[k], th[k]) for k in tg if tg[k] is not None)
                check(same, f"{name}: GGUF and HF hold the same tensors")
                rng = np.ptp(lh)
                diff = np.abs(lg - lh).max()
                print(f"     {name}: GGUF {sg:.2f} s, HF {sh:.2f} s; logit range {rng:.4g}, "
                      f"max |GGUF - HF| {diff:.3g} ({cg['rope_layout']} vs {ch['rope_layout']}), "
                      f"greedy {'same' if gg == gh else 'different'}")
                if arch in ("qwen2", "qwen3"):
                    # Not bit-equal: GGUF stores rms_norm_eps as F32 (9.99999975e-06), config.json as 1e-05.
                    check(diff <= 1e-7 * rng and gg == gh, f"{name}: GGUF logits == HF logits")
                else:
                    check(diff > 1e-6 * rng, f"{name}: interleaved GGUF differs from NeoX HF (known)")
                    lo = run(gguf, tokens, 0, rope_layout="neox")[2]
                    check(np.abs(lo - lh).max() <= 1e-9 * rng, f"{name}: GGUF read as NeoX == HF")
                    # The real converter's permutation makes interleaved exactly equal NeoX.
                    W = {k: v.astype(np.float64) for k, v in th.items()}
                    for i in range(ch["n_layers"]):
                        for t, heads in (("attn_q", ch["n_heads"]), ("attn_k", ch["n_kv_heads"])):
                            W[f"blk.{i}.{t}.weight"] = permute_like_llama_cpp(W[f"blk.{i}.{t}.weight"], heads)
                    lp = ref.forward(dict(ch, rope_layout="interleaved"), W, tokens)
                    check(np.abs(lp - lh).max() <= 1e-9 * rng, f"{name}: permuted rows + interleaved == NeoX")
                    if arch == "llama" and not tie:  # the same on a trained model
                        if os.path.isdir(args.models):
                            real = os.path.join(args.models, "tinystories-656k")
                            c, t, l0, _, _ = run(real, tokens)
                            W = {k: v.astype(np.float64) for k, v in t.items()}
                            for j in range(c["n_layers"]):
                                for n_, heads in (("attn_q", c["n_heads"]), ("attn_k", c["n_kv_heads"])):
                                    W[f"blk.{j}.{n_}.weight"] = permute_like_llama_cpp(W[f"blk.{j}.{n_}.weight"],
                                                                                        heads)
                            l1 = ref.forward(dict(c, rope_layout="interleaved"), W, tokens)
                            check(np.abs(l1 - l0).max() <= 1e-9 * np.ptp(l0),
                                  "tinystories-656k: permuted + interleaved == NeoX")
        # Storage types and shards: BF16/F16 round the same draws, so results
        # stay close to F32 but not equal.
        for arch, extra in (("qwen2", ["--type", "bf16", "--shards", "3"]), ("qwen3", ["--type", "f16"])):
            base, other = os.path.join(tmp, arch + "-f32.gguf"), os.path.join(tmp, arch + "-" + extra[1])
            subprocess.run([args.servir, "testmodel", "--arch", arch, *spec, "--out", base], check=True)
            subprocess.run([args.servir, "testmodel", "--arch", arch, *spec, *extra, "--out", other], check=True)
            l0, l1 = run(base, tokens)[2], run(other, tokens)[2]
            rel = np.abs(l0 - l1).max() / np.ptp(l0)
            print(f"     {arch} {' '.join(extra)} vs f32: max |diff| / range = {rel:.3g}")
            check(rel < 0.05, f"{arch} {' '.join(extra)} close to F32")
    if failures:
        sys.exit(f"{len(failures)} check(s) failed")
    print("all reference self-checks passed")


if __name__ == "__main__":
    main()
