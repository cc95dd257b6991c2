// CTest entry of the end-to-end suite: checks what the suite needs and
// exits 77 (CTest's SKIP_RETURN_CODE) with the reason when something is
// missing, so an unprepared machine reads SKIPPED rather than passed; else
// runs every *.test.mjs here with node's test runner, one file at a time
// (each file starts its own servers).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { STORIES, skipReason } from './server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const SKIP = 77;

function skip(reason) {
  console.log(`SKIPPED: ${reason}`);
  process.exit(SKIP);
}

if (!fs.existsSync(path.join(here, 'node_modules', 'openai', 'package.json'))) {
  skip('node_modules/openai absent: run scripts/install-deps.sh (npm ci --prefix tests/e2e)');
}
const reason = skipReason([STORIES]);
if (reason) skip(reason);

const files = fs.readdirSync(here).filter((f) => f.endsWith('.test.mjs')).sort();
const only = process.argv.slice(2);
const selected = only.length ? files.filter((f) => only.some((o) => f.includes(o))) : files;
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...selected], { cwd: here, stdio: 'inherit' });
process.exit(r.status ?? 1);
