import { spawn } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { DEMO } from '../../emulator/src/config';
import type { EmulatorProcess } from './emulator-process';
import { runToEnd, type AdminApi } from './end-to-end';
import { peakRss, vmRss } from './probes';
import type { Row } from './report';

const MB = 1e6;
const RSS_LIMIT_MB = 300;

export interface LargeResult {
  sizeMb: number;
  archived: number;
  wallSeconds: number;
  rssBeforeMb: number;
  peakRssMb: number;
}

/**
 * BENCH_LARGE=1: after the tenant's runs, one generated message of BENCH_LARGE_MB (default 120)
 * with an incompressible attachment goes into a mailbox, and a third run archives it alone, the
 * backend's peak RSS taken afresh for it. The message is streamed to the emulator by a process of
 * its own.
 */
export async function measureLargeMessage(api: AdminApi, emulator: EmulatorProcess, profileId: string, timeoutMinutes: number, backendPid: number): Promise<LargeResult | null> {
  if (!process.env.BENCH_LARGE) return null;
  const sizeMb = Number(process.env.BENCH_LARGE_MB ?? 120);
  const user = process.env.BENCH_ADMIN ?? `user001@${DEMO.domain}`;
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), emulator.info.url, user, String(sizeMb * MB)], { stdio: 'inherit' });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`adding the large message failed (exit ${code})`);
  const rssBeforeMb = vmRss(backendPid) / MB;
  const peak = peakRss(backendPid);
  const result = await runToEnd(api, profileId, timeoutMinutes, `large message (${sizeMb} MB)`);
  return { sizeMb, archived: result.run.totals?.archived ?? 0, wallSeconds: result.wallSeconds, rssBeforeMb, peakRssMb: peak.stop() / MB };
}

async function upload(url: string, user: string, bytes: number): Promise<void> {
  const res = await fetch(`${url}/_emulator/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: jsonBody(user, bytes), duplex: 'half' } as RequestInit);
  if (res.status !== 201) throw new Error(`adding the large message answered ${res.status}: ${await res.text()}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [url, user, bytes] = process.argv.slice(2);
  await upload(url!, user!, Number(bytes));
}

export function largeRows(large: LargeResult | null): Row[] {
  if (!large) return [];
  return [
    { key: 'large_archived', label: `large message (${large.sizeMb} MB): archived`, value: large.archived, unit: '', digits: 0, target: '1', ok: large.archived === 1 },
    { key: 'large_wall_s', label: `large message (${large.sizeMb} MB): run wall time`, value: large.wallSeconds, unit: 's' },
    { key: 'large_rss_before_mb', label: `large message (${large.sizeMb} MB): backend RSS before its run`, value: large.rssBeforeMb, unit: 'MB' },
    { key: 'large_rss_peak_mb', label: `large message (${large.sizeMb} MB): backend peak RSS`, value: large.peakRssMb, unit: 'MB', target: `< ${RSS_LIMIT_MB}`, ok: large.peakRssMb < RSS_LIMIT_MB },
  ];
}

/** `{"user":…,"folder":"inbox","mime":"…"}` with the message generated as it is sent (JSON-escaped CRLFs). */
function jsonBody(user: string, totalBytes: number): ReadableStream<Uint8Array> {
  const head =
    'From: Big Sender <big@example.com>\r\nTo: ' + user + '\r\nSubject: Benchmark: a very large attachment\r\n' +
    'Date: Tue, 2 Jan 2024 09:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n' +
    '--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the attached disk image.\r\n' +
    '--b1\r\nContent-Type: application/octet-stream; name="disk.img"\r\nContent-Disposition: attachment; filename="disk.img"\r\n' +
    'Content-Transfer-Encoding: base64\r\n\r\n';
  const tail = '\r\n--b1--\r\n';
  const escape = (s: string) => s.replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  const noise = createCipheriv('aes-256-ctr', Buffer.alloc(32, 7), Buffer.alloc(16));
  // 57 raw bytes make one 76-character base64 line + CRLF: 78 bytes of the message.
  let lines = Math.floor((totalBytes - head.length - tail.length) / 78);
  const linesPerChunk = 840;
  let started = false;
  return new ReadableStream({
    pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(Buffer.from(`{"user":${JSON.stringify(user)},"folder":"inbox","mime":"${escape(head)}`));
        return;
      }
      if (lines === 0) {
        controller.enqueue(Buffer.from(`${escape(tail)}"}`));
        controller.close();
        return;
      }
      const n = Math.min(linesPerChunk, lines);
      lines -= n;
      const raw = noise.update(Buffer.alloc(n * 57));
      const parts: string[] = [];
      for (let i = 0; i < n; i++) parts.push(raw.subarray(i * 57, (i + 1) * 57).toString('base64'), '\\r\\n');
      controller.enqueue(Buffer.from(parts.join('')));
    },
  });
}
