// `make run`: the API and the worker as two processes, in the foreground.
// Ctrl-C (or SIGTERM) stops both gracefully; if either dies, the other is stopped too.
import { spawn } from 'node:child_process';

const processes = {
  api: 'dist/apps/api/apps/api/src/main.js',
  worker: 'dist/apps/worker/apps/worker/src/main.js',
};

const children = new Map();
let stopping = false;
let exitCode = 0;

function stopAll(signal = 'SIGTERM') {
  if (stopping) return;
  stopping = true;
  for (const child of children.values()) if (child.exitCode === null) child.kill(signal);
  // A process that does not finish its work within 15 s is killed.
  setTimeout(() => {
    for (const child of children.values()) if (child.exitCode === null) child.kill('SIGKILL');
  }, 15_000).unref();
}

for (const [name, entry] of Object.entries(processes)) {
  const child = spawn(process.execPath, ['--enable-source-maps', entry], { stdio: 'inherit', env: process.env });
  children.set(name, child);
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      console.error(`[run] ${name} stopped (${signal ?? `exit code ${code}`}); stopping the rest`);
      exitCode = code || 1;
      stopAll();
    }
    if (children.size === 0) process.exit(exitCode);
  });
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    console.error(`[run] ${signal}: stopping the API and the worker`);
    stopAll('SIGTERM');
  });
}

// Say where to look once the API answers.
const port = process.env.PORT ?? '3000';
const started = Date.now();
const timer = setInterval(async () => {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
    if (response.ok) {
      clearInterval(timer);
      console.error(`[run] ready in ${((Date.now() - started) / 1000).toFixed(1)} s: http://127.0.0.1:${port}/`);
    }
  } catch {
    // not listening yet
  }
}, 250);
timer.unref();
