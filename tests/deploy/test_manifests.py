#!/usr/bin/env python3
"""deploy_manifests: every Kustomize overlay under deploy/kubernetes renders,
the rendered objects keep servir's deployment invariants, every servir flag
they set is real (`servir serve --check-config`), every metric name the
alerts, the dashboard and the KEDA trigger read is one servir exports, and
deploy/ is yamllint-clean.

Needs kubectl (any version with `kubectl kustomize`), yamllint, PyYAML, the
servir binary and the reference model (for a live /metrics); SKIPPED
otherwise.
"""

import glob
import json
import os
import re
import subprocess
import sys

from deploy_testing import (BINARY, DEPLOY, Servir, free_port, http_get, log, require_servir, require_tools, skip,
                            tmpdir)
from promql_names import exported_families, family, metric_names

try:
    import yaml
except ImportError:
    skip("PyYAML (python3-yaml) not installed")

# Routes servir serves (server/router.h); probes must point at these.
PROBE_ROUTES = {"/ready", "/health"}
# Metric names the kit may read that servir does not export: Prometheus's
# own `up`, and the guard layer's decisions (dashboard panel ahead of the
# guard layer's metrics).
NOT_FROM_SERVIR = {"up", "servir_guard_decisions_total"}
# run_server: after --shutdown-timeout, aborting takes up to 5 s and the
# last bytes 2 s more.
DRAIN_TAIL_S = 7

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}", flush=True)


def kustomizations():
    root = os.path.join(DEPLOY, "kubernetes")
    dirs = sorted(os.path.dirname(p) for p in glob.glob(os.path.join(root, "**", "kustomization.yaml"),
                                                         recursive=True))
    return [(os.path.relpath(d, root), d) for d in dirs]


def render(path):
    r = subprocess.run(["kubectl", "kustomize", path], capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        return None, r.stderr
    return [d for d in yaml.safe_load_all(r.stdout) if d], ""


def serve_flags():
    """The long flags of `servir serve` (its --help)."""
    r = subprocess.run([BINARY, "serve", "--help"], capture_output=True, text=True, timeout=30)
    return set(re.findall(r"--([a-z][a-z0-9-]*)", r.stdout))


def flag_value(args, name):
    """The value of --name in a container's args (both spellings), or None."""
    for i, a in enumerate(args):
        if a == f"--{name}" and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(f"--{name}="):
            return a.split("=", 1)[1]
    return None


def quantity_cpu(q):
    q = str(q)
    return float(q[:-1]) / 1000 if q.endswith("m") else float(q)


def workloads(objs):
    """(name, pod spec, containers) of every Deployment and ServingRuntime."""
    out = []
    for o in objs:
        if o["kind"] == "Deployment":
            spec = o["spec"]["template"]["spec"]
            out.append((f"Deployment/{o['metadata']['name']}", spec, spec["containers"], o))
        elif o["kind"] == "ServingRuntime":
            out.append((f"ServingRuntime/{o['metadata']['name']}", o["spec"], o["spec"]["containers"], o))
    return out


def effective_config(container, pod_spec, objs, workdir):
    """argv and env for `servir serve --check-config` equal to what the pod
    runs: the mounted ConfigMap written to a file, its path swapped in."""
    args = list(container.get("args", []))
    env = {e["name"]: str(e["value"]) for e in container.get("env", []) if "value" in e}
    config = flag_value(args, "config")
    if config is not None:
        mount = next((m for m in container.get("volumeMounts", [])
                      if config == m["mountPath"] or config.startswith(m["mountPath"].rstrip("/") + "/")), None)
        check(mount is not None, f"--config {config} is not on a mounted volume")
        if mount is None:
            return None
        volume = next(v for v in pod_spec["volumes"] if v["name"] == mount["name"])
        check("configMap" in volume, f"--config {config} is not a ConfigMap")
        cm = next((o for o in objs if o["kind"] == "ConfigMap" and o["metadata"]["name"] == volume["configMap"]["name"]),
                  None)
        check(cm is not None, f"ConfigMap {volume['configMap']['name']} is not in the render")
        if cm is None:
            return None
        key = mount.get("subPath") or os.path.basename(config)
        path = os.path.join(workdir, f"serve-{len(os.listdir(workdir))}.yaml")
        with open(path, "w") as f:
            f.write(cm["data"][key])
        args[args.index(config) if config in args else args.index(f"--config={config}")] = (
            path if config in args else f"--config={path}")
    return args, env


def config_map_value(args, env, name, workdir):
    """A flag's value as servir would see it: args, then --config, then SERVIR_*."""
    v = flag_value(args, name)
    if v is not None:
        return v
    path = flag_value(args, "config")
    if path:
        with open(path) as f:
            data = yaml.safe_load(f) or {}
        if name in data:
            return data[name]
    return env.get("SERVIR_" + name.upper().replace("-", "_"))


def check_workload(overlay, name, pod, containers, obj, objs, flags, workdir):
    where = f"{overlay}: {name}"
    servir = [c for c in containers if c["name"] in ("servir", "kserve-container")]
    check(len(servir) == 1, f"{where}: one servir container")
    if not servir:
        return
    c = servir[0]
    psc = pod.get("securityContext", {})
    csc = c.get("securityContext", {})
    run_as_user = csc.get("runAsUser", psc.get("runAsUser"))
    check(csc.get("runAsNonRoot", psc.get("runAsNonRoot")) is True, f"{where}: runAsNonRoot")
    check(run_as_user not in (None, 0), f"{where}: runAsUser set and not 0")
    check(csc.get("allowPrivilegeEscalation") is False, f"{where}: allowPrivilegeEscalation false")
    check(csc.get("readOnlyRootFilesystem") is True, f"{where}: readOnlyRootFilesystem")
    check("ALL" in csc.get("capabilities", {}).get("drop", []), f"{where}: capabilities drop ALL")
    seccomp = csc.get("seccompProfile", psc.get("seccompProfile", {}))
    check(seccomp.get("type") == "RuntimeDefault", f"{where}: seccomp RuntimeDefault")
    check(csc.get("privileged") in (None, False), f"{where}: not privileged")
    check(not str(c.get("image", "")).endswith(":latest"), f"{where}: image not :latest")

    res = c.get("resources", {})
    for kind in ("requests", "limits"):
        for r in ("cpu", "memory"):
            check(r in res.get(kind, {}), f"{where}: resources.{kind}.{r} set")

    ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
    probes = {"startupProbe": "/ready", "readinessProbe": "/ready", "livenessProbe": "/health"}
    for probe, route in probes.items():
        p = c.get(probe)
        check(p is not None, f"{where}: {probe} set")
        if not p:
            continue
        get = p.get("httpGet", {})
        check(get.get("path") in PROBE_ROUTES, f"{where}: {probe} path {get.get('path')} is a servir route")
        check(get.get("path") == route, f"{where}: {probe} on {route}")
        port = get.get("port")
        check(port in ports or port in ports.values(), f"{where}: {probe} port {port} is a container port")
    check(c["readinessProbe"].get("failureThreshold") == 1 and c["readinessProbe"].get("periodSeconds") == 1,
          f"{where}: readiness 1 s x 1 (leaves the endpoints at the first 503)")
    startup = c["startupProbe"]
    check(startup.get("periodSeconds", 10) * startup.get("failureThreshold", 3) >= 300,
          f"{where}: startup probe allows >= 5 min of loading")

    prestop = c.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
    check(len(prestop) == 2 and prestop[0] == "sleep", f"{where}: preStop sleep")
    prestop_s = int(prestop[1]) if len(prestop) == 2 else 0

    cfg = effective_config(c, pod, objs, workdir)
    if cfg is None:
        return
    args, env = cfg
    # Every SERVIR_* variable must name a real flag (CLI11 ignores unknown
    # variables, so --check-config cannot catch them).
    for var in env:
        if var.startswith("SERVIR_") and var not in ("SERVIR_LOG_LEVEL", "SERVIR_API_KEY", "SERVIR_ISA"):
            flag = var[len("SERVIR_"):].lower().replace("_", "-")
            check(flag in flags, f"{where}: {var} names --{flag}, a flag of servir serve")
    r = subprocess.run([BINARY, "serve", *args, "--check-config"], capture_output=True, text=True, timeout=30,
                       env={**{k: v for k, v in os.environ.items() if not k.startswith("SERVIR_")}, **env})
    check(r.returncode == 0 and "config OK" in r.stdout,
          f"{where}: servir serve --check-config accepts the config: {r.stdout.strip()} {r.stderr.strip()}")

    shutdown_s = float(config_map_value(args, env, "shutdown-timeout", workdir) or 30)
    if obj["kind"] == "Deployment":
        grace = pod.get("terminationGracePeriodSeconds", 30)
        check(grace >= prestop_s + shutdown_s + DRAIN_TAIL_S,
              f"{where}: terminationGracePeriodSeconds {grace} >= preStop {prestop_s} + --shutdown-timeout "
              f"{shutdown_s} + {DRAIN_TAIL_S}")
    threads = config_map_value(args, env, "threads", workdir)
    cpu = quantity_cpu(res.get("limits", {}).get("cpu", "0"))
    check(threads is not None and int(threads) == int(cpu),
          f"{where}: --threads {threads} equals the CPU limit {cpu} (servir does not read cgroup quotas)")
    model_mounts = [m for m in c.get("volumeMounts", []) if m["mountPath"] == "/models"]
    for m in model_mounts:
        check(m.get("readOnly") is True, f"{where}: /models mounted read-only")


def check_objects(overlay, objs, flags, workdir):
    kinds = {}
    for o in objs:
        kinds.setdefault(o["kind"], []).append(o)
    for name, pod, containers, obj in workloads(objs):
        check_workload(overlay, name, pod, containers, obj, objs, flags, workdir)
    for d in kinds.get("Deployment", []):
        labels = d["spec"]["template"]["metadata"]["labels"]
        selected = lambda sel: all(labels.get(k) == v for k, v in sel.items())  # noqa: E731
        check(selected(d["spec"]["selector"]["matchLabels"]), f"{overlay}: Deployment selector matches its pods")
        for kind in ("Service", "PodDisruptionBudget", "NetworkPolicy", "ServiceMonitor"):
            check(kind in kinds, f"{overlay}: has a {kind}")
        for s in kinds.get("Service", []):
            check(selected(s["spec"]["selector"]), f"{overlay}: Service selects the pods")
            names = {p.get("name") for c in d["spec"]["template"]["spec"]["containers"] for p in c.get("ports", [])}
            for p in s["spec"]["ports"]:
                check(p["targetPort"] in names, f"{overlay}: Service targetPort {p['targetPort']} is a container port")
        for p in kinds.get("PodDisruptionBudget", []):
            check(selected(p["spec"]["selector"]["matchLabels"]), f"{overlay}: PDB selects the pods")
        for n in kinds.get("NetworkPolicy", []):
            check(selected(n["spec"]["podSelector"]["matchLabels"]), f"{overlay}: NetworkPolicy selects the pods")
            check("Ingress" in n["spec"]["policyTypes"], f"{overlay}: NetworkPolicy restricts ingress")
        for m in kinds.get("ServiceMonitor", []):
            check(all(e.get("path") == "/metrics" for e in m["spec"]["endpoints"]),
                  f"{overlay}: ServiceMonitor scrapes /metrics")
        volumes = d["spec"]["template"]["spec"].get("volumes", [])
        for v in volumes:
            if "configMap" in v:
                check(any(o["metadata"]["name"] == v["configMap"]["name"] for o in kinds.get("ConfigMap", [])),
                      f"{overlay}: ConfigMap {v['configMap']['name']} rendered")
            if "secret" in v:
                check(any(o["metadata"]["name"] == v["secret"]["secretName"] for o in kinds.get("Secret", [])),
                      f"{overlay}: Secret {v['secret']['secretName']} rendered")
        if "HorizontalPodAutoscaler" in kinds or "ScaledObject" in kinds:
            check("replicas" not in d["spec"], f"{overlay}: the autoscaler owns replicas (none in the Deployment)")
    if overlay.startswith("overlays/gpu"):
        d = kinds["Deployment"][0]["spec"]["template"]["spec"]
        check(d["containers"][0]["resources"]["limits"].get("nvidia.com/gpu") is not None, f"{overlay}: GPU limit")
        check(any(t.get("key") == "nvidia.com/gpu" for t in d.get("tolerations", [])), f"{overlay}: GPU toleration")
    for h in kinds.get("HorizontalPodAutoscaler", []):
        check(h["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"] >= 300,
              f"{overlay}: HPA scales down slowly")
    for s in kinds.get("ScaledObject", []):
        behavior = s["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
        check(behavior["scaleUp"]["stabilizationWindowSeconds"] > 0, f"{overlay}: KEDA scale-up stabilised")
        check(behavior["scaleDown"]["stabilizationWindowSeconds"] >= 300, f"{overlay}: KEDA scale-down stabilised")
        check(any("vllm:num_requests_waiting" in t["metadata"]["query"] for t in s["spec"]["triggers"]),
              f"{overlay}: KEDA scales on vllm:num_requests_waiting")
    for isvc in kinds.get("InferenceService", []):
        runtimes = {o["metadata"]["name"]: o for o in kinds.get("ServingRuntime", [])}
        predictor = isvc["spec"]["predictor"]
        check(predictor["model"]["runtime"] in runtimes, f"{overlay}: the InferenceService's runtime is rendered")
        env = {e["name"]: e.get("value") for c in runtimes.get(predictor["model"]["runtime"], {}).get(
            "spec", {}).get("containers", []) for e in c.get("env", [])}
        shutdown_s = float(env.get("SERVIR_SHUTDOWN_TIMEOUT") or 30)
        check(predictor.get("terminationGracePeriodSeconds", 30) >= 5 + shutdown_s + DRAIN_TAIL_S,
              f"{overlay}: InferenceService grace period covers preStop + --shutdown-timeout + {DRAIN_TAIL_S}")
    for pool in kinds.get("InferencePool", []):
        ports = [p["number"] for p in pool["spec"]["targetPorts"]]
        check(8000 in ports, f"{overlay}: InferencePool targets servir's port")
    # The placeholder Secret must keep servir from starting (fail closed).
    for s in kinds.get("Secret", []):
        keys = s.get("stringData", {}).get("keys")
        if keys is not None:
            path = os.path.join(workdir, "placeholder-keys")
            with open(path, "w") as f:
                f.write(keys)
            r = subprocess.run([BINARY, "serve", "--model", "/models/model.gguf", "--api-key-file", path,
                                "--check-config"], capture_output=True, text=True, timeout=30)
            check(r.returncode != 0, f"{overlay}: the placeholder API key Secret is refused (holds no key)")


def promql_sources(rendered):
    """(where, expr) of every PromQL expression the kit ships."""
    out = []
    with open(os.path.join(DEPLOY, "prometheus", "alerts.yaml")) as f:
        for g in yaml.safe_load(f)["groups"]:
            for rule in g["rules"]:
                out.append((f"alert {rule.get('alert', rule.get('record'))}", rule["expr"]))
    with open(os.path.join(DEPLOY, "grafana", "servir.json")) as f:
        dash = json.load(f)
    for p in dash["panels"]:
        for t in p.get("targets", []):
            out.append((f"panel {p['title']}", t["expr"]))
    for var in dash["templating"]["list"]:
        q = var.get("query")
        if isinstance(q, dict):
            m = re.match(r"label_values\((.*),\s*\w+\)$", q["query"])
            if m:
                out.append((f"variable {var['name']}", m.group(1)))
    for overlay, objs in rendered.items():
        for o in objs:
            if o["kind"] == "ScaledObject":
                for t in o["spec"]["triggers"]:
                    if t["type"] == "prometheus":
                        out.append((f"{overlay} ScaledObject", t["metadata"]["query"]))
    return out


def main():
    require_tools("kubectl", "yamllint")
    require_servir()
    workdir = tmpdir("servir-manifests-")

    log("yamllint deploy/")
    r = subprocess.run(["yamllint", "--strict", "-c", os.path.join(DEPLOY, ".yamllint"), DEPLOY],
                       capture_output=True, text=True)
    check(r.returncode == 0, f"yamllint deploy/: {r.stdout}{r.stderr}")

    flags = serve_flags()
    check({"model", "threads", "shutdown-timeout", "check-config"} <= flags, "servir serve --help lists its flags")
    rendered = {}
    for overlay, path in kustomizations():
        objs, err = render(path)
        check(objs is not None, f"kubectl kustomize {overlay}: {err}")
        if objs is None:
            continue
        log(f"rendered {overlay}: {', '.join(sorted(set(o['kind'] for o in objs)))}")
        rendered[overlay] = objs
        check_objects(overlay, objs, flags, workdir)
    for needed in ("base", "overlays/cpu", "overlays/gpu", "overlays/autoscaling/hpa", "overlays/autoscaling/keda",
                   "overlays/kserve", "overlays/inference-pool"):
        check(needed in rendered, f"overlay {needed} exists and renders")

    log("metric names against a live servir's /metrics")
    server = Servir(free_port(), log_path=os.path.join(workdir, "servir.log")).start().wait_ready()
    status, text = http_get(server.url + "/metrics")
    server.stop()
    check(status == 200, "GET /metrics answers 200")
    exported = exported_families(text)
    for where, expr in promql_sources(rendered):
        for name in metric_names(expr):
            if name in NOT_FROM_SERVIR:
                continue
            check(family(name) in exported, f"{where}: metric {name} is not in servir's /metrics")

    if failures:
        print(f"{len(failures)} check(s) failed", flush=True)
        sys.exit(1)
    print(f"OK: {len(rendered)} kustomizations rendered and checked", flush=True)


if __name__ == "__main__":
    main()
