import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Store } from '../store';
import { createUpload, deleteUpload, getUpload, type ImportUpload } from '../store/imports';
import { uploadDir, type ImportConfig } from './settings';
import { ImportInputError } from './types';

/**
 * Resumable uploads (the tus idea, plainly): the client declares name and size, then sends the
 * bytes in chunks, each at the offset the server reports; a chunk is streamed to the end of the
 * file, never held. The file on disk is the state: after a dropped connection the client asks
 * for the offset and goes on from there.
 */
export class UploadError extends ImportInputError {}

export interface UploadStatus {
  id: string;
  name: string;
  size: number;
  received: number;
}

export const uploadPath = (config: ImportConfig, id: string) => join(uploadDir(config), `${id}.upload`);

export async function startUpload(store: Store, config: ImportConfig, ownerId: string, name: string, size: number): Promise<UploadStatus> {
  if (size > config.IMPORT_MAX_UPLOAD_BYTES) throw new UploadError('UPLOAD_TOO_LARGE', `the file is larger than the server's upload limit of ${config.IMPORT_MAX_UPLOAD_BYTES} bytes`, name);
  const upload: ImportUpload = { _id: randomUUID(), ownerId, name, size, createdAt: new Date() };
  await mkdir(uploadDir(config), { recursive: true, mode: 0o700 });
  await createUpload(store.conn, upload);
  await writeFile(uploadPath(config, upload._id), '', { mode: 0o600, flag: 'wx' });
  return { id: upload._id, name, size, received: 0 };
}

/** The caller's upload, or null (someone else's is as missing as none). */
export async function ownUpload(store: Store, id: string, ownerId: string): Promise<ImportUpload | null> {
  const upload = await getUpload(store.conn, id);
  return upload && upload.ownerId === ownerId ? upload : null;
}

export async function uploadStatus(config: ImportConfig, upload: ImportUpload): Promise<UploadStatus> {
  const received = await stat(uploadPath(config, upload._id)).then((s) => s.size, () => 0);
  return { id: upload._id, name: upload.name, size: upload.size, received };
}

/** Appends one chunk that starts at `offset`; a chunk for another offset is refused with the right one. */
export async function appendChunk(config: ImportConfig, upload: ImportUpload, offset: number, body: Readable): Promise<UploadStatus> {
  const status = await uploadStatus(config, upload);
  if (offset !== status.received) throw new UploadError('UPLOAD_OFFSET_MISMATCH', `the upload has ${status.received} bytes; send the chunk that starts there`, upload.name);
  let written = status.received;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, done) {
      written += chunk.length;
      if (written > upload.size) return done(new UploadError('UPLOAD_TOO_LARGE', `more bytes than the ${upload.size} announced`, upload.name));
      done(null, chunk);
    },
  });
  await pipeline(body, limit, createWriteStream(uploadPath(config, upload._id), { flags: 'a' }));
  return uploadStatus(config, upload);
}

export async function removeUpload(store: Store, config: ImportConfig, id: string): Promise<void> {
  await rm(uploadPath(config, id), { force: true });
  await deleteUpload(store.conn, id);
}
