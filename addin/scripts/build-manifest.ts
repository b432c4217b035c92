import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The values in the checked-in manifest.xml that belong to the demo deployment. */
export const DEMO_ORIGIN = 'https://localhost:3000';
export const DEMO_CLIENT_ID = '5b1e2c3d-0a4f-4e6b-8c7d-9e0f1a2b3c4d';

export interface Deployment {
  /** Public HTTPS origin that serves the task pane and the API, e.g. https://archive.contoso.com */
  origin: string;
  /** Application (client) id of the backend's Entra app registration. */
  clientId: string;
}

/** One manifest per deployment, made from the checked-in one so the two never drift apart. */
export function renderManifest(template: string, { origin, clientId }: Deployment): string {
  const url = new URL(origin);
  if (url.protocol !== 'https:') throw new Error(`Add-in origin must be https (Office requires it): ${origin}`);
  if (!/^[0-9a-f-]{36}$/i.test(clientId)) throw new Error(`CLIENT_ID must be a GUID: ${clientId}`);
  const demoHost = new URL(DEMO_ORIGIN).host;
  return template
    .replace(/<!--[\s\S]*?-->\n/, '')
    .replaceAll(DEMO_ORIGIN, url.origin)
    .replaceAll(`api://${demoHost}/`, `api://${url.host}/`)
    .replaceAll(DEMO_CLIENT_ID, clientId.toLowerCase());
}

async function main(): Promise<void> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const origin = process.env.PUBLIC_URL;
  const clientId = process.env.CLIENT_ID;
  if (!origin || !clientId) throw new Error('Set PUBLIC_URL (https origin) and CLIENT_ID to build a deployment manifest');
  const out = path.join(root, 'dist', 'manifest.xml');
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, renderManifest(await readFile(path.join(root, 'manifest.xml'), 'utf8'), { origin, clientId }));
  console.log(`wrote ${out}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((err: unknown) => {
    console.error((err as Error).message);
    process.exit(1);
  });
}
