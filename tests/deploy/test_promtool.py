#!/usr/bin/env python3
"""deploy_promtool: `promtool check rules` and `promtool test rules` on
deploy/prometheus (alerts.yaml and its unit tests, alerts_test.yaml).
Needs promtool (Debian's prometheus package); SKIPPED otherwise."""

import os
import subprocess
import sys

from deploy_testing import DEPLOY, require_tools

require_tools("promtool")
prom = os.path.join(DEPLOY, "prometheus")
rc = 0
for cmd in (["promtool", "check", "rules", "alerts.yaml"], ["promtool", "test", "rules", "alerts_test.yaml"]):
    print("$ " + " ".join(cmd), flush=True)
    rc |= subprocess.run(cmd, cwd=prom).returncode
sys.exit(1 if rc else 0)
