import type { AdminClient } from '../../api/client';

/** Bytes per request: large enough to be quick, small enough that a dropped one costs little. */
const CHUNK = 8 * 1024 * 1024;
const RETRIES = 5;

/**
 * Sends a file to the server in chunks, reading one slice of it at a time (the browser never
 * holds the file). After a failed chunk it asks the server how much arrived and goes on from
 * there, a few times before it gives up.
 */
export async function uploadFile(api: AdminClient, file: File, onProgress: (sent: number) => void, signal: AbortSignal): Promise<string> {
  const upload = await api.startUpload(file.name, file.size);
  let offset = upload.received;
  let failures = 0;
  while (offset < file.size) {
    signal.throwIfAborted();
    try {
      offset = (await api.uploadChunk(upload.id, offset, file.slice(offset, offset + CHUNK))).received;
      failures = 0;
    } catch (err) {
      if (++failures > RETRIES) throw err;
      offset = (await api.uploadStatus(upload.id)).received;
    }
    onProgress(offset);
  }
  return upload.id;
}
