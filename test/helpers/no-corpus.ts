import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Imported first by a test whose emulator must seed the generated messages rather than the
 * real-mail corpus (emulator/src/config.ts reads the variable when it is loaded): the upgrade
 * fixture was written by an old release against generated mail, and the tenant seeded today must
 * hold the same messages, as a real tenant does across an upgrade.
 */
export const NO_CORPUS = path.join(tmpdir(), 'm365-archive-no-mail-corpus');
process.env.EMULATOR_CORPUS_DIR = NO_CORPUS;
