/**
 * `npm run build`: the production build in dist/. Each entry point of the backend (the server,
 * its launcher, the CLIs, the worker threads) becomes one ES module bundled by esbuild, with
 * every npm package left external: at run time they come from `npm ci --omit=dev`, so the build
 * refuses a bundle that imports a package the backend's package.json does not list as a
 * dependency. The built pages of the add-in and the Teams tab are copied beside it
 * (backend/src/runtime-paths.ts says where the bundle looks for them).
 *
 *   npx tsx backend/scripts/build.ts [--out DIR] [--backend-only]
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { WORKER_MODULES } from '../src/runtime-paths';
import { CODE_SCHEMA } from '../src/store/migrations';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SRC = path.join(ROOT, 'backend/src');

/** Output name (without .js) → source module under backend/src. */
export const ENTRY_POINTS: Record<string, string> = {
  main: 'main.ts',
  start: 'start-prod.ts',
  admin: 'cli/admin.ts',
  import: 'import/cli.ts',
  ...WORKER_MODULES,
};

/**
 * Packages that only an import, an export, time-stamping or the journal gateway use (and
 * sanitize-html, which only the render worker uses). The server loads them on first use
 * (`await import(…)`), so that a process which does none of these does not hold their code (about
 * 6 MB of heap and 10 MB of RSS together); the build refuses a static import of one of them into
 * the server's bundle.
 */
export const LOADED_ON_FIRST_USE = ['asn1js', 'imapflow', 'pkijs', 'sanitize-html', 'smtp-server', 'yauzl', 'yazl'];

export interface BuildResult {
  outDir: string;
  /** npm packages the bundles import, each a dependency in backend/package.json. */
  externals: string[];
  bytes: number;
}

/** Bundles the backend into `outDir/backend`; throws on an import that `npm ci --omit=dev` would not install. */
export async function buildBackend(outDir: string): Promise<BuildResult> {
  const target = path.join(outDir, 'backend');
  await rm(target, { recursive: true, force: true });
  const result = await build({
    entryPoints: Object.fromEntries(Object.entries(ENTRY_POINTS).map(([name, src]) => [name, path.join(SRC, src)])),
    outdir: target,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  const externals = externalPackages(result.metafile);
  const declared = Object.keys((JSON.parse(await readFile(path.join(ROOT, 'backend/package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);
  const undeclared = externals.filter((name) => !declared.includes(name));
  if (undeclared.length > 0) {
    throw new Error(`The bundle imports packages that are not dependencies of backend/package.json (npm ci --omit=dev would not install them): ${undeclared.join(', ')}`);
  }
  const eager = staticPackages(result.metafile, 'main').filter((name) => LOADED_ON_FIRST_USE.includes(name));
  if (eager.length > 0) throw new Error(`The server's bundle imports at start what it should load on first use (LOADED_ON_FIRST_USE): ${eager.join(', ')}`);
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  return { outDir, externals, bytes };
}

/** Package names (`@scope/name` or `name`) of the external imports, Node's own modules left out. */
export function externalPackages(meta: Metafile): string[] {
  return packagesOf(Object.values(meta.outputs).flatMap((output) => output.imports));
}

/** The packages that one entry point's bundle imports when it is loaded (not by `import()`). */
function staticPackages(meta: Metafile, entry: string): string[] {
  const output = meta.outputs[Object.keys(meta.outputs).find((file) => path.basename(file) === `${entry}.js`) ?? ''];
  if (!output) throw new Error(`The build has no ${entry}.js`);
  return packagesOf(output.imports.filter((imp) => imp.kind === 'import-statement'));
}

function packagesOf(imports: Metafile['outputs'][string]['imports']): string[] {
  const names = new Set<string>();
  for (const imp of imports) {
    if (!imp.external || imp.path.startsWith('node:') || builtinModules.includes(imp.path)) continue;
    const parts = imp.path.split('/');
    names.add(imp.path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
  }
  return [...names].sort();
}

async function copyPages(outDir: string): Promise<void> {
  for (const app of ['addin', 'teams-app']) {
    const built = path.join(ROOT, app, 'dist');
    if (!existsSync(path.join(built, 'index.html'))) throw new Error(`${app}/dist is not built: run \`npm run build -w ${app}\` first`);
    await rm(path.join(outDir, app), { recursive: true, force: true });
    await cp(built, path.join(outDir, app), { recursive: true });
  }
}

function commit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string', default: path.join(ROOT, 'dist') }, 'backend-only': { type: 'boolean', default: false } } });
  const outDir = path.resolve(values.out);
  await mkdir(outDir, { recursive: true });
  const started = Date.now();
  const backend = await buildBackend(outDir);
  if (!values['backend-only']) await copyPages(outDir);
  const version = (JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  await writeFile(path.join(outDir, 'build.json'), `${JSON.stringify({ version, commit: commit(), schema: CODE_SCHEMA, builtAt: new Date().toISOString() }, null, 2)}\n`);
  console.log(`Built ${outDir} in ${Date.now() - started} ms: backend ${(backend.bytes / 1e6).toFixed(1)} MB, ${backend.externals.length} npm packages from \`npm ci --omit=dev\`${values['backend-only'] ? '' : ', pages'}`);
  console.log(`Start it with: npm run start:prod   (or node ${path.relative(process.cwd(), path.join(outDir, 'backend/start.js'))})`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
