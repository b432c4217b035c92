import type { Config } from '../config';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../store';
import { readSetting, writeSetting } from '../store/settings';
import type { ImportLimits } from './types';

/** The admin's import switches, kept in the settings collection. */
export interface ImportSettings {
  /** End users may import PST files into their own archive. */
  usersMayImportPst: boolean;
}

const KEY = 'import';
const DEFAULTS: ImportSettings = { usersMayImportPst: false };

export async function getImportSettings(store: Pick<Store, 'conn'>): Promise<ImportSettings> {
  return { ...DEFAULTS, ...((await readSetting(store.conn, KEY)) as Partial<ImportSettings> | undefined) };
}

export async function setImportSettings(store: Pick<Store, 'conn'>, settings: ImportSettings): Promise<void> {
  await writeSetting(store.conn, KEY, settings);
}

export type ImportConfig = Pick<Config, 'IMPORT_ALLOWED_FOLDERS' | 'IMPORT_UPLOAD_DIR' | 'IMPORT_MAX_UPLOAD_BYTES' | 'IMPORT_MAX_MESSAGE_BYTES' | 'IMPORT_MAX_ZIP_BYTES' | 'IMPORT_MAX_ZIP_RATIO'>;

export const uploadDir = (config: ImportConfig) => config.IMPORT_UPLOAD_DIR ?? join(tmpdir(), 'm365-archive-uploads');

export function importLimits(config: ImportConfig): ImportLimits {
  return { maxMessageBytes: config.IMPORT_MAX_MESSAGE_BYTES, maxZipBytes: config.IMPORT_MAX_ZIP_BYTES, maxZipRatio: config.IMPORT_MAX_ZIP_RATIO, tmpDir: uploadDir(config) };
}
