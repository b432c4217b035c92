import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildBackend, type BuildResult } from '../../backend/scripts/build';

const root = path.resolve(import.meta.dirname, '../..');
const WORKSPACES = ['backend', 'emulator', 'addin', 'teams-app'];

/**
 * A deployment as `npm ci --omit=dev` makes one, outside the repository (so that nothing resolves
 * into its node_modules, which hold the dev dependencies): the lockfile and the workspaces'
 * package.json files, the backend's production dependencies installed once per lockfile (npm's
 * cache makes it a few seconds), and a fresh build of the backend in dist/.
 */
export async function productionInstall(): Promise<{ dir: string; build: BuildResult }> {
  const lock = await readFile(path.join(root, 'package-lock.json'));
  const dir = path.join(tmpdir(), `m365archive-prod-${createHash('sha256').update(lock).digest('hex').slice(0, 12)}`);
  if (!existsSync(path.join(dir, '.installed'))) {
    await rm(dir, { recursive: true, force: true });
    for (const ws of ['', ...WORKSPACES]) {
      await mkdir(path.join(dir, ws), { recursive: true });
      await cp(path.join(root, ws, 'package.json'), path.join(dir, ws, 'package.json'));
    }
    await cp(path.join(root, 'package-lock.json'), path.join(dir, 'package-lock.json'));
    await promisify(execFile)('npm', ['ci', '--omit=dev', '--workspace', 'backend', '--include-workspace-root=false', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir });
    await writeFile(path.join(dir, '.installed'), new Date().toISOString());
  }
  const build = await buildBackend(path.join(dir, 'dist'));
  if (existsSync(path.join(root, 'addin/dist/index.html'))) await cp(path.join(root, 'addin/dist'), path.join(dir, 'dist/addin'), { recursive: true });
  return { dir, build };
}

