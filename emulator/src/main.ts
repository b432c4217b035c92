import { parseArgs } from 'node:util';
import { startEmulator } from './index';
import type { StartOptions } from './index';

/**
 * `tsx emulator/src/main.ts --port 0 --seed demo|empty|20x2000[x5][+g2x10x10][+c300] [--history N] --time-scale 1`
 * prints one JSON line. `+gGROUPSxTHREADSxPOSTS` adds Microsoft 365 group conversations, `+cLINES` Teams chat lines.
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    seed: { type: 'string', default: 'demo' },
    'time-scale': { type: 'string', default: '1' },
    'no-throttle': { type: 'boolean', default: false },
    history: { type: 'string' },
  },
});

function parseSeed(s: string): StartOptions['seed'] {
  if (s === 'demo' || s === 'empty') return s;
  const m = /^(\d+)x(\d+)(?:x(\d+))?(?:\+g(\d+)x(\d+)x(\d+))?(?:\+c(\d+))?$/.exec(s);
  if (!m) throw new Error(`--seed must be demo, empty or USERSxMESSAGES[xFOLDERS][+gGROUPSxTHREADSxPOSTS][+cLINES], got ${s}`);
  return {
    users: Number(m[1]), messagesPerUser: Number(m[2]), ...(m[3] ? { foldersPerUser: Number(m[3]) } : {}),
    ...(m[4] ? { groups: { count: Number(m[4]), threads: Number(m[5]), posts: Number(m[6]) } } : {}),
    ...(m[7] ? { chatLines: Number(m[7]) } : {}),
  };
}

const emulator = await startEmulator({
  port: Number(values.port),
  seed: parseSeed(values.seed!),
  ...(values.history ? { demo: { historyPerUser: Number(values.history) } } : {}),
  timeScale: Number(values['time-scale']),
  ...(values['no-throttle'] ? { throttle: false as const } : {}),
});
console.log(JSON.stringify({
  url: emulator.url, tenantId: emulator.tenantId, authority: emulator.authority, graphBaseUrl: emulator.graphBaseUrl,
  caCertPath: emulator.caCertPath, apps: emulator.apps,
}));

const stop = () => {
  emulator.close().then(() => process.exit(0), () => process.exit(1));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
