import { execFileSync } from 'node:child_process';

/**
 * The real engines the tests drive (Debian packages: prometheus, pgbouncer,
 * haproxy, redis-server). `.ci/run` installs what is missing and sets
 * REQUIRE_ENGINES=1, so there a missing engine fails the run; elsewhere its
 * tests are skipped with a line saying what to install.
 */
export function hasEngine(program: string, debianPackage: string): boolean {
  let found = true;
  try {
    execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' });
  } catch {
    found = false;
  }
  if (found) return true;
  const message = `no ${program} on this machine (apt-get install ${debianPackage})`;
  if (process.env.REQUIRE_ENGINES === '1') throw new Error(`${message}: REQUIRE_ENGINES=1 asks for every engine`);
  console.warn(`${message}: its tests are skipped`);
  return false;
}
