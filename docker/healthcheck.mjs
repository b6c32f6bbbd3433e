// The image's HEALTHCHECK. One image runs three commands, so it asks whichever
// of them runs in this container: the API's /health/ready on PORT, the worker's
// on its metrics port (METRICS_PORT, 9465 by default). `migrate` runs once and
// exits: nothing to ask. Exit 0: healthy; 1: unhealthy, with the reason.
import { readdirSync, readFileSync } from 'node:fs';

const ROLES = [
  { role: 'api', entry: '/apps/api/src/main.js' },
  { role: 'worker', entry: '/apps/worker/src/main.js' },
];

/** The role of the process this container runs: PID 1, or its child under `docker run --init`. */
function runningRole() {
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let command;
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    const found = ROLES.find(({ entry }) => command.some((argument) => argument.endsWith(entry)));
    if (found) return found.role;
  }
  return null;
}

/** The address to ask on: loopback when the process listens on every interface. */
const hostFor = (host) =>
  !host || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

function unhealthy(reason) {
  console.log(reason);
  process.exit(1);
}

const role = runningRole();
let url;
if (role === 'api') {
  url = `http://${hostFor(process.env.HOST)}:${process.env.PORT || 3000}/health/ready`;
} else if (role === 'worker') {
  const port = process.env.METRICS_PORT ?? '9465';
  if (port === '0') unhealthy('METRICS_PORT=0: the worker serves no health endpoint; give it a port');
  url = `http://${hostFor(process.env.METRICS_HOST)}:${port}/health/ready`;
} else {
  process.exit(0);
}

try {
  const response = await fetch(url, { signal: AbortSignal.timeout(2500) });
  if (!response.ok) unhealthy(`${url}: ${response.status} ${await response.text()}`);
} catch (error) {
  unhealthy(`${url}: ${error.message}`);
}
