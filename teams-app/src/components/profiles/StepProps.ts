import type { ArchiveUser } from '../../api/types';
import type { Draft } from './draft';

export interface StepProps {
  draft: Draft;
  set: (patch: Partial<Draft>) => void;
  /** The server's message for a field of this step, if the last save was refused because of it. */
  error: (...paths: string[]) => string | undefined;
  users: ArchiveUser[];
}
