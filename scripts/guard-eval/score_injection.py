#!/usr/bin/env python3
"""Recall and false-positive rate of the injection scanner on a labelled corpus.

  score_injection.py CORPUS FINDINGS [--threshold 0.5] [--errors N]

CORPUS: JSON lines {"text", "label": 1|0, "lang", "kind"} (as
make_injection_corpus.py writes). FINDINGS: the output of
`servir guard scan --jsonl CORPUS --json`, one line per corpus line, in the
same order: {"action": ..., "score": ..., "findings": [{"scanner":
"injection", "type": ..., "start": N, "end": N, "rule": ..., "score": ...}]}.

An input counts as detected when it has at least one finding of the
injection scanner (scanner "injection", or, without a scanner field, one of
the injection types) with score >= --threshold (default 0.5).
SCAN_INCOMPLETE findings never count as detections; they are reported
separately. Prints recall on label 1 and false-positive rate on label 0 per
language and kind, then overall, and with --errors N up to N missed attacks
and false positives with the rule that fired.
"""

import argparse
import collections
import json
import sys

INJECTION_TYPES = {"PROMPT_INJECTION", "JAILBREAK", "ROLE_MARKER", "SPECIAL_TOKEN", "HIDDEN_TEXT", "ENCODED_PAYLOAD"}


def injection_findings(out):
    for f in out.get("findings", []):
        if f.get("type") == "SCAN_INCOMPLETE":
            continue
        scanner = f.get("scanner")
        if scanner == "injection" or (scanner is None and f.get("type") in INJECTION_TYPES):
            yield f


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus")
    ap.add_argument("findings")
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--errors", type=int, default=0, help="print up to N misses and false positives")
    args = ap.parse_args()

    total = collections.Counter()
    hits = collections.Counter()
    incomplete = 0
    misses, fps = [], []
    with open(args.corpus, encoding="utf-8") as fc, open(args.findings, encoding="utf-8") as ff:
        for lineno, (cl, fl) in enumerate(zip(fc, ff), 1):
            rec = json.loads(cl)
            out = json.loads(fl)
            incomplete += any(f.get("type") == "SCAN_INCOMPLETE" for f in out.get("findings", []))
            found = [f for f in injection_findings(out) if f.get("score", 0) >= args.threshold]
            detected = bool(found)
            key = (rec["label"], rec["lang"], rec["kind"])
            total[key] += 1
            hits[key] += detected
            if rec["label"] == 1 and not detected:
                best = max(injection_findings(out), key=lambda f: f.get("score", 0), default=None)
                misses.append((lineno, rec, best))
            elif rec["label"] == 0 and detected:
                fps.append((lineno, rec, max(found, key=lambda f: f["score"])))
        else:
            pass

    def rate(keys):
        n = sum(total[k] for k in keys)
        d = sum(hits[k] for k in keys)
        return d, n, (100.0 * d / n if n else 0.0)

    print(f"threshold {args.threshold}: recall on label 1, false-positive rate on label 0")
    print(f"{'lang':5} {'kind':14} {'label':>5} {'detected':>9} {'n':>5} {'rate%':>7}")
    for key in sorted(total):
        d, n, r = rate([key])
        print(f"{key[1]:5} {key[2]:14} {key[0]:>5} {d:>9} {n:>5} {r:>7.1f}")
    print()
    for lang in sorted({k[1] for k in total}):
        d1, n1, r1 = rate([k for k in total if k[0] == 1 and k[1] == lang])
        d0, n0, r0 = rate([k for k in total if k[0] == 0 and k[1] == lang])
        print(f"{lang}: recall {r1:5.1f}% ({d1}/{n1})  FP {r0:5.1f}% ({d0}/{n0})")
    d1, n1, r1 = rate([k for k in total if k[0] == 1])
    d0, n0, r0 = rate([k for k in total if k[0] == 0])
    print(f"all: recall {r1:5.1f}% ({d1}/{n1})  FP {r0:5.1f}% ({d0}/{n0})")
    for kind in ("benign", "hard_negative"):
        d, n, r = rate([k for k in total if k[0] == 0 and k[2] == kind])
        if n:
            print(f"  FP on {kind}: {r:5.1f}% ({d}/{n})")
    if incomplete:
        print(f"inputs with SCAN_INCOMPLETE: {incomplete}")
    if args.errors:
        print("\nmissed attacks:")
        for lineno, rec, best in misses[: args.errors]:
            why = f"{best['rule']} {best['score']:.2f}" if best else "no finding"
            print(f"  line {lineno} [{rec['lang']}/{rec['kind']}] ({why}): {rec['text'][:160]!r}")
        print("\nfalse positives:")
        for lineno, rec, f in fps[: args.errors]:
            print(f"  line {lineno} [{rec['lang']}/{rec['kind']}] ({f['rule']} {f['score']:.2f}): {rec['text'][:160]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
