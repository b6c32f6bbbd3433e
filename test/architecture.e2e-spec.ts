import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The `layout` block of docs/architecture.md: each root folder and the folders it lists under it. */
function documentedLayout(): Map<string, string[]> {
  const text = readFileSync('docs/architecture.md', 'utf8');
  const block = /```layout\n([\s\S]*?)```/.exec(text)?.[1];
  if (!block) throw new Error('docs/architecture.md has no ```layout block');
  const layout = new Map<string, string[]>();
  let root: string | null = null;
  for (const line of block.split('\n').filter((entry) => entry.trim() !== '')) {
    const indented = /^\s+(\S+)\/\s/.exec(line);
    if (indented && root) layout.get(root)!.push(indented[1]);
    else {
      root = /^(\S+)\/$/.exec(line.trim())?.[1] ?? null;
      if (!root) throw new Error(`docs/architecture.md, layout: "${line}" is neither a root nor a folder under one`);
      layout.set(root, []);
    }
  }
  return layout;
}

const foldersIn = (path: string) =>
  readdirSync(path, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();

/** The map a newcomer reads first: it must be the tree, not a memory of it. */
describe('docs/architecture.md', () => {
  const layout = documentedLayout();

  it('lists every folder of each root it names, and no folder that is not there', () => {
    expect([...layout.keys()]).toEqual(
      expect.arrayContaining(['apps/api/src', 'apps/worker/src', 'libs/domain/src', 'libs/platform/src']),
    );
    for (const [root, listed] of layout) {
      expect({ root, folders: [...listed].sort() }).toEqual({ root, folders: existsSync(root) ? foldersIn(root) : [] });
    }
  });

  it('names only files that exist in its request paths', () => {
    const text = readFileSync('docs/architecture.md', 'utf8');
    const paths = [...text.matchAll(/\b((?:apps|libs)\/[\w./-]+\.ts)\b/g)].map((match) => match[1]);
    expect(paths.length).toBeGreaterThan(20);
    expect(paths.filter((path) => !existsSync(path))).toEqual([]);
    // A bare file name in a path's step is one of its feature's files.
    for (const file of [...text.matchAll(/\b([a-z-]+(?:\.[a-z-]+)+\.ts)\b/g)].map((match) => match[1])) {
      const found = ['apps/api/src', 'apps/worker/src', 'libs/domain/src', 'libs/platform/src'].some((root) =>
        findFile(root, file),
      );
      expect({ file, found }).toEqual({ file, found: true });
    }
  });
});

function findFile(root: string, name: string): boolean {
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (entry.isFile() && entry.name === name) return true;
    if (entry.isDirectory() && findFile(join(root, entry.name), name)) return true;
  }
  return false;
}

/** The bench's ceilings run the API's own statements and services, through the one door the API keeps for them. */
describe('the bench', () => {
  it('reaches into the built API only through apps/api/src/ceilings.ts, and into the libs only through their index', () => {
    const reached = readdirSync('bench')
      .filter((file) => file.endsWith('.mjs'))
      .flatMap((file) =>
        [...readFileSync(join('bench', file), 'utf8').matchAll(/from '\.\.\/(dist\/[^']+)'/g)].map(
          ([, path]) => `${file}: ${path}`,
        ),
      );
    expect(reached.length).toBeGreaterThan(0);
    const doors = new Set([
      'dist/apps/api/apps/api/src/ceilings.js',
      'dist/apps/api/libs/domain/src/index.js',
      'dist/apps/api/libs/platform/src/index.js',
    ]);
    expect(reached.filter((entry) => !doors.has(entry.split(': ')[1]))).toEqual([]);
  });
});
