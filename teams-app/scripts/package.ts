/**
 * `npm run package:teams`: the Teams app package (manifest.json + icons, zipped) for one
 * deployment, from the checked-in manifest whose demo values it replaces, as the add-in's
 * manifest.xml is built (addin/scripts/build-manifest.ts).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateManifest } from 'office-addin-manifest';
import { renderManifest, type Deployment } from '../../addin/scripts/build-manifest';
import { zip } from './zip';

const TEAMS_APP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ICONS = ['color.png', 'outline.png'] as const;

/** The deployment's manifest.json text: URLs, SSO resource and client id, valid domain. */
export function renderTeamsManifest(template: string, deployment: Deployment): string {
  const manifest = JSON.parse(renderManifest(template, deployment)) as { validDomains?: string[] };
  manifest.validDomains = [new URL(deployment.origin).host];
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** Writes the package and returns its path; throws with the schema's complaints when the manifest is invalid. */
export async function buildTeamsPackage(deployment: Deployment, outDir: string): Promise<string> {
  const manifest = renderTeamsManifest(await readFile(path.join(TEAMS_APP, 'manifest.json'), 'utf8'), deployment);
  await mkdir(outDir, { recursive: true });
  const manifestPath = path.join(outDir, 'manifest.json');
  await writeFile(manifestPath, manifest);
  const validation = await validateManifest(manifestPath);
  if (!validation.isValid) {
    const errors = validation.report?.errors?.map((e) => e.content).join('\n') ?? 'unknown reason';
    throw new Error(`The Teams manifest for ${deployment.origin} is not valid:\n${errors}`);
  }
  const icons = await Promise.all(ICONS.map(async (name) => ({ name, data: await readFile(path.join(TEAMS_APP, name)) })));
  const out = path.join(outDir, 'm365-archive-teams.zip');
  await writeFile(out, zip([{ name: 'manifest.json', data: Buffer.from(manifest) }, ...icons]));
  return out;
}

async function main(): Promise<void> {
  const origin = process.env.PUBLIC_URL;
  const clientId = process.env.CLIENT_ID;
  if (!origin || !clientId) throw new Error('Set PUBLIC_URL (https origin of the backend) and CLIENT_ID to build the Teams app package');
  const out = await buildTeamsPackage({ origin, clientId }, path.resolve(TEAMS_APP, '..', 'dist', 'teams'));
  process.stdout.write(`wrote ${out}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((err: unknown) => {
    console.error((err as Error).message);
    process.exit(1);
  });
}
