import { createCipheriv } from 'node:crypto';
import { DEMO } from '../../emulator/src/config';
import type { EmulatorProcess } from './emulator-process';
import { runToEnd, type AdminApi } from './end-to-end';
import { sampleRss } from './probes';
import type { Row } from './report';

const MB = 1e6;
const RSS_LIMIT_MB = 300;

export interface LargeResult {
  sizeMb: number;
  archived: number;
  wallSeconds: number;
  peakRssMb: number;
}

/**
 * BENCH_LARGE=1: after the tenant's runs, one generated message of BENCH_LARGE_MB (default 120)
 * with an incompressible attachment goes into a mailbox, and a third run archives it alone, the
 * backend's RSS sampled meanwhile. The message is streamed to the emulator, never held whole in
 * this process, whose memory is the backend's.
 */
export async function measureLargeMessage(api: AdminApi, emulator: EmulatorProcess, profileId: string, timeoutMinutes: number): Promise<LargeResult | null> {
  if (!process.env.BENCH_LARGE) return null;
  const sizeMb = Number(process.env.BENCH_LARGE_MB ?? 120);
  const user = process.env.BENCH_ADMIN ?? `user001@${DEMO.domain}`;
  const res = await fetch(`${emulator.info.url}/_emulator/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: jsonBody(user, sizeMb * MB),
    duplex: 'half',
  } as RequestInit);
  if (res.status !== 201) throw new Error(`adding the large message answered ${res.status}: ${await res.text()}`);
  const rss = sampleRss(100);
  const result = await runToEnd(api, profileId, timeoutMinutes, `large message (${sizeMb} MB)`);
  const peak = rss.stop();
  return { sizeMb, archived: result.run.totals?.archived ?? 0, wallSeconds: result.wallSeconds, peakRssMb: peak.rss / MB };
}

export function largeRows(large: LargeResult | null): Row[] {
  if (!large) return [];
  return [
    { key: 'large_archived', label: `large message (${large.sizeMb} MB): archived`, value: large.archived, unit: '', digits: 0, target: '1', ok: large.archived === 1 },
    { key: 'large_wall_s', label: `large message (${large.sizeMb} MB): run wall time`, value: large.wallSeconds, unit: 's' },
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
