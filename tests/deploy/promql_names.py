"""The metric names a PromQL expression reads (standard library only).

Good enough for the expressions servir ships (alerts, dashboard, KEDA): it
drops string literals, label matchers, range and subquery brackets and the
label lists of by/without/on/ignoring/group_*, then keeps the identifiers
that are not functions, keywords or numbers. Histogram series
(_bucket/_sum/_count) map to their family's name.
"""

import re

KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool",
            "offset", "inf", "nan", "le"}
IDENT = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def metric_names(expr):
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    e = re.sub(r"'(?:[^'\\]|\\.)*'", "''", e)
    e = re.sub(r"\{[^}]*\}", " ", e)
    e = re.sub(r"\[[^\]]*\]", " ", e)
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    names = set()
    for m in IDENT.finditer(e):
        word = m.group(0)
        rest = e[m.end():].lstrip()
        if rest.startswith("("):  # a function call
            continue
        if word.lower() in KEYWORDS or word.startswith("$"):
            continue
        if m.start() > 0 and e[m.start() - 1] == "$":  # a Grafana variable
            continue
        names.add(word)
    return names


def family(name):
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def exported_families(metrics_text):
    """Family names of a /metrics exposition: TYPE lines and sample names."""
    names = set()
    for line in metrics_text.splitlines():
        if line.startswith("# TYPE "):
            names.add(line.split()[2])
        elif line and not line.startswith("#"):
            names.add(family(re.match(r"[^{\s]+", line).group(0)))
    return names
