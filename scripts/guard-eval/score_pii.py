#!/usr/bin/env python3
"""Precision and recall of the PII scanner on a labelled corpus.

  score_pii.py CORPUS FINDINGS [--types T1,T2] [--errors N]

CORPUS: JSON lines {"text": ..., "spans": [{"type", "start", "end"}]} (as
make_pii_corpus.py writes). FINDINGS: the output of
`servir guard scan --jsonl CORPUS --json`, one line per corpus line, in the
same order: {"action": ..., "score": ..., "findings": [{"scanner": "pii",
"type": ..., "start": N, "end": N, "rule": ..., "score": ...}]}. Offsets in
both are Unicode code points, end exclusive.

Matching rule: a finding matches a labelled span when the types are equal
and the spans overlap (share at least one code point). Each labelled span
is matched at most once and each finding at most once (greedy, in order of
overlap size). A finding with no match is a false positive; a labelled span
with no match is a false negative. Only findings of the PII types count
(scanner "pii" or, when the scanner field is absent, a PII type name);
SCAN_INCOMPLETE findings are reported separately.

Prints per-type and overall (micro-averaged) precision, recall and F1, and
with --errors N up to N examples of each kind of error.
"""

import argparse
import collections
import json
import sys

PII_TYPES = ["EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "US_SSN", "ES_NIF",
             "ES_NIE", "ES_CIF", "RU_INN", "RU_SNILS", "RU_OGRN"]


def overlap(a, b):
    return max(0, min(a["end"], b["end"]) - max(a["start"], b["start"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus")
    ap.add_argument("findings")
    ap.add_argument("--types", default=",".join(PII_TYPES), help="comma-separated types to score")
    ap.add_argument("--errors", type=int, default=0, help="print up to N false positives and negatives")
    args = ap.parse_args()
    types = [t for t in args.types.split(",") if t]

    tp = collections.Counter()  # matched findings
    fp = collections.Counter()
    fn = collections.Counter()
    gold_total = collections.Counter()
    incomplete = 0
    fps, fns = [], []
    with open(args.corpus, encoding="utf-8") as fc, open(args.findings, encoding="utf-8") as ff:
        for lineno, (cl, fl) in enumerate(zip(fc, ff), 1):
            rec = json.loads(cl)
            out = json.loads(fl)
            gold = [s for s in rec.get("spans", []) if s["type"] in types]
            found = []
            for f in out.get("findings", []):
                if f.get("type") == "SCAN_INCOMPLETE":
                    incomplete += 1
                    continue
                if f.get("scanner", "pii") != "pii" or f.get("type") not in types:
                    continue
                found.append(f)
            pairs = sorted(((overlap(g, f), gi, fi) for gi, g in enumerate(gold) for fi, f in enumerate(found)
                            if g["type"] == f["type"] and overlap(g, f) > 0), reverse=True)
            gold_used, found_used = set(), set()
            for _, gi, fi in pairs:
                if gi in gold_used or fi in found_used:
                    continue
                gold_used.add(gi)
                found_used.add(fi)
                tp[gold[gi]["type"]] += 1
            for gi, g in enumerate(gold):
                gold_total[g["type"]] += 1
                if gi not in gold_used:
                    fn[g["type"]] += 1
                    fns.append((lineno, g, rec["text"]))
            for fi, f in enumerate(found):
                if fi not in found_used:
                    fp[f["type"]] += 1
                    fps.append((lineno, f, rec["text"]))

    def prf(t_p, f_p, f_n):
        p = t_p / (t_p + f_p) if t_p + f_p else 1.0
        r = t_p / (t_p + f_n) if t_p + f_n else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f1

    print("%-14s %6s %6s %6s %6s  %9s %6s %6s" % ("type", "gold", "tp", "fp", "fn", "precision", "recall", "f1"))
    for t in types:
        if not (gold_total[t] or fp[t]):
            continue
        p, r, f1 = prf(tp[t], fp[t], fn[t])
        print("%-14s %6d %6d %6d %6d  %9.3f %6.3f %6.3f" % (t, gold_total[t], tp[t], fp[t], fn[t], p, r, f1))
    T, F, N = sum(tp.values()), sum(fp.values()), sum(fn.values())
    p, r, f1 = prf(T, F, N)
    print("%-14s %6d %6d %6d %6d  %9.3f %6.3f %6.3f" % ("OVERALL", sum(gold_total.values()), T, F, N, p, r, f1))
    if incomplete:
        print("SCAN_INCOMPLETE findings: %d" % incomplete)
    for label, errs in (("false positive", fps), ("false negative", fns)):
        for lineno, span, text in errs[:args.errors]:
            print("%s line %d %s [%s]: %s" % (label, lineno, span["type"], text[span["start"]:span["end"]], text),
                  file=sys.stderr)


if __name__ == "__main__":
    main()
