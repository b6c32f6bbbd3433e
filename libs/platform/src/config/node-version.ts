/**
 * The oldest Node.js the processes run on: package.json's `engines` (a test
 * holds the two together). Imported first by each entry point, before any
 * library, so an older Node gets one sentence instead of a library's failure.
 */
export const NODE_FLOOR = '24.11';

export function nodeTooOld(version: string = process.versions.node): boolean {
  const [major, minor] = version.split('.').map(Number);
  const [floorMajor, floorMinor] = NODE_FLOOR.split('.').map(Number);
  return major < floorMajor || (major === floorMajor && minor < floorMinor);
}

if (nodeTooOld()) {
  console.error(
    `This service needs Node.js ${NODE_FLOOR} or newer, and this is ${process.versions.node}: ` +
      '`make run` fetches the pinned one (.nvmrc), or install Node.js 24 LTS.',
  );
  process.exit(1);
}
