#!/usr/bin/env python3
"""What each quantization step costs in quality, measured (issue 16).

For each model: a float base run of `servir perplexity` saves its next-token
distributions (--save-logits); every variant -- a `servir quantize` type, a
GPTQ or AWQ checkpoint written by `servir testmodel --quant ... --from`, or
the base with a quantized KV cache -- is scored against them (--kl-base):
perplexity, mean KL divergence (nats) and top-1 agreement with the base.

Models:
  stories     ../shared/models/stories260K.gguf (F32, real, rows of 64)
  tinystories ../shared/models/tinystories-656k (HF F32, real, rows of 128)
  tinyllama   random weights, TinyLlama-1.1B shape (rows of 2048/5632), F16
              base; its tokenizer from ../shared (mistral's tokenizer.json)

Prints one markdown table per model. Everything is written under --work.
Usage: bench/quant_quality.py [--servir build/servir] [--models a,b]
         [--chunks N] [--ctx 512] [--threads T] [--work DIR]
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("SERVIR_SHARED_DIR", os.path.join(HERE, "..", "..", "shared"))
TEXT = os.path.join(SHARED, "testdata", "text", "war-and-peace.txt")

GGUF_TYPES = ["q8_0", "q6_k", "q5_k_m", "q4_k_m", "q4_0"]
# (label, extra testmodel flags)
CHECKPOINTS = [("GPTQ-4bit-g128", ["--quant", "gptq", "--bits", "4", "--group-size", "128"]),
               ("GPTQ-4bit-g128 act-order", ["--quant", "gptq", "--bits", "4", "--group-size", "128", "--act-order"]),
               ("AWQ-4bit-g128", ["--quant", "awq", "--bits", "4", "--group-size", "128"])]
KV_TYPES = ["bf16", "q8_0"]
TINYLLAMA = ["--hidden", "2048", "--layers", "22", "--heads", "32", "--kv-heads", "4", "--ffn", "5632"]


class Refused(Exception):
    pass


def run(cmd, refusal_ok=False):
    print("+ " + " ".join(cmd), file=sys.stderr, flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        if refusal_ok:
            raise Refused(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "refused")
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    return proc.stdout


def perplexity(args, model, extra, refusal_ok=False):
    out = run([args.servir, "perplexity", "-m", model, "-f", TEXT, "--ctx", str(args.ctx), "--chunks",
               str(args.chunks), "-t", str(args.threads), "--json"] + extra, refusal_ok)
    return json.loads(out.strip().splitlines()[-1])


def file_size(path):
    if os.path.isdir(path):
        return sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path) if f.endswith(".safetensors"))
    return os.path.getsize(path)


def measure_model(args, name, base, hf_float):
    """base: the float model scored as the reference; hf_float: an HF float
    folder of the same weights for the GPTQ/AWQ writer (None: skip them)."""
    work = os.path.join(args.work, name)
    os.makedirs(work, exist_ok=True)
    base_lp = os.path.join(work, "base.logprobs")
    rows = []
    ref = perplexity(args, base, ["--save-logits", base_lp])
    rows.append(("float (base)", file_size(base), ref["perplexity"], ref["error"], 0.0, 0.0, 100.0, None))

    def score(label, model, extra=(), size=None, seconds=None):
        try:
            # A KV type the model's head size cannot take is refused: say so.
            r = perplexity(args, model, ["--kl-base", base_lp] + list(extra), refusal_ok=bool(extra))
        except Refused as why:
            rows.append((label, None, str(why).removeprefix("servir: "), 0, 0, 0, 0, None))
            return
        kl = r["kl"]
        rows.append((label, size if size is not None else file_size(model), r["perplexity"], r["error"], kl["mean"],
                     kl["stderr"], 100 * kl["top1_agreement"], seconds))

    for t in GGUF_TYPES:
        out = os.path.join(work, f"{t}.gguf")
        started = time.monotonic()
        run([args.servir, "quantize", base, out, "--type", t, "--force", "--quiet", "--threads", str(args.threads)])
        score(t, out, seconds=time.monotonic() - started)
    if hf_float:
        for label, flags in CHECKPOINTS:
            out = os.path.join(work, label.replace(" ", "-"))
            started = time.monotonic()
            run([args.servir, "testmodel", "--from", hf_float, "--out", out, "--seed", "1"] + flags)
            score(label + " (RTN)", out, seconds=time.monotonic() - started)
    for kv in KV_TYPES:
        score(f"float weights, {kv} KV cache", base, ["--kv-cache-dtype", kv], size=file_size(base))

    print(f"\n### {name}: PPL over {args.chunks} windows of {args.ctx} (war-and-peace), KL vs the float base\n")
    print("| variant | weights MiB | PPL | mean KL (nats) | top-1 agree % | make s |")
    print("|---|---|---|---|---|---|")
    for label, size, ppl, err, kl, kl_err, top1, secs in rows:
        if size is None:
            print(f"| {label} | refused: {ppl} | | | | |")
            continue
        print(f"| {label} | {size / 2**20:.2f} | {ppl:.4f} +/- {err:.4f} | {kl:.6f} +/- {kl_err:.6f} | {top1:.2f} | "
              f"{'' if secs is None else f'{secs:.1f}'} |")
    sys.stdout.flush()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--servir", default=os.path.join(HERE, "..", "build", "servir"))
    p.add_argument("--models", default="stories,tinystories,tinyllama")
    p.add_argument("--chunks", type=int, default=8)
    p.add_argument("--ctx", type=int, default=512)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--work", default="/tmp/servir-quant-quality")
    args = p.parse_args()
    if not os.path.exists(TEXT):
        print(f"SKIPPED: {TEXT} is absent (../shared)")
        return 0
    for name in args.models.split(","):
        if name == "stories":
            base = os.path.join(SHARED, "models", "stories260K.gguf")
            if not os.path.exists(base):
                print(f"SKIPPED stories: {base} is absent")
                continue
            measure_model(args, name, base, None)  # a GGUF only: no HF folder for the GPTQ/AWQ writer
        elif name == "tinystories":
            folder = os.path.join(SHARED, "models", "tinystories-656k")
            if not os.path.exists(folder):
                print(f"SKIPPED tinystories: {folder} is absent")
                continue
            measure_model(args, name, folder, folder)
        elif name == "tinyllama":
            tok = os.path.join(SHARED, "testdata", "tokenizers", "mistral", "tokenizer.json")
            work = os.path.join(args.work, "tinyllama")
            os.makedirs(work, exist_ok=True)
            gguf = os.path.join(work, "f16.gguf")
            folder = os.path.join(work, "f16-hf")
            # One seed, two formats: the same numbers (formats/synthetic_model.h).
            if not os.path.exists(gguf):
                run([args.servir, "testmodel"] + TINYLLAMA + ["--vocab-from", tok, "--type", "f16", "--seed", "1",
                                                               "--out", gguf])
            if not os.path.exists(os.path.join(folder, "config.json")):
                run([args.servir, "testmodel"] + TINYLLAMA + ["--vocab-from", tok, "--type", "f16", "--seed", "1",
                                                               "--out", folder])
            measure_model(args, name, gguf, folder)
        else:
            sys.exit(f"unknown model {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
