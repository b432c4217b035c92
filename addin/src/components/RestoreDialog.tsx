import {
  Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, DialogTrigger, MessageBar, MessageBarBody, Radio, RadioGroup,
} from '@fluentui/react-components';
import { useState } from 'react';
import { fileSize } from '../format';

/**
 * The largest message the backend restores (backend/src/retrieval/restore.ts): Microsoft Graph
 * attaches files of up to 150 MB. A mailbox may accept less (35 MB unless raised); the backend
 * then says so.
 */
export const RESTORE_LIMIT_BYTES = 150 * 1024 * 1024;

/** Graph's well-known folder names, which every mailbox has whatever its language. */
export const RESTORE_FOLDERS = [
  { id: 'inbox', label: 'Inbox' },
  { id: 'archive', label: 'Archive' },
  { id: 'sentitems', label: 'Sent Items' },
  { id: 'deleteditems', label: 'Deleted Items' },
  { id: 'drafts', label: 'Drafts' },
] as const;

/** The well-known folder an archived folder path starts in, so the picker can suggest it. */
export function suggestedFolder(path: string | undefined): string {
  const top = (path ?? '').split('/')[0]!.toLowerCase().replace(/\s+/g, '');
  return RESTORE_FOLDERS.find((f) => f.id === top || f.label.toLowerCase().replace(/\s+/g, '') === top)?.id ?? 'inbox';
}

interface Props {
  open: boolean;
  archivedFolder?: string;
  /** Size of the archived message in bytes. */
  size: number;
  onCancel: () => void;
  onRestore: (folder: { id: string; label: string }) => void;
}

export function RestoreDialog({ open, archivedFolder, size, onCancel, onRestore }: Props) {
  const [choice, setChoice] = useState(() => suggestedFolder(archivedFolder));
  const folder = RESTORE_FOLDERS.find((f) => f.id === choice) ?? RESTORE_FOLDERS[0];
  const tooLarge = size > RESTORE_LIMIT_BYTES;
  return (
    <Dialog open={open} onOpenChange={(_, d) => !d.open && onCancel()}>
      <DialogSurface aria-describedby="restore-help">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            onRestore(folder);
          }}
        >
          <DialogBody>
            <DialogTitle>Restore to your mailbox</DialogTitle>
            <DialogContent>
              <p id="restore-help">
                A restored copy goes back into your mailbox: a normal message with its original sender, recipients,
                dates and attachments, so it sorts under the date it first arrived. The archive keeps its copy.
                {archivedFolder && ` It was archived from ${archivedFolder}.`}
              </p>
              {tooLarge && (
                <MessageBar intent="warning">
                  <MessageBarBody>
                    This message is {fileSize(size)}, more than the {fileSize(RESTORE_LIMIT_BYTES)} Microsoft 365 can restore. Download the .eml instead.
                  </MessageBarBody>
                </MessageBar>
              )}
              <RadioGroup value={choice} onChange={(_, d) => setChoice(d.value)} aria-label="Folder">
                {RESTORE_FOLDERS.map((f) => <Radio key={f.id} value={f.id} label={f.label} />)}
              </RadioGroup>
            </DialogContent>
            <DialogActions>
              <DialogTrigger disableButtonEnhancement>
                <Button appearance="secondary">Cancel</Button>
              </DialogTrigger>
              <Button appearance="primary" type="submit" disabled={tooLarge}>Restore to {folder.label}</Button>
            </DialogActions>
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}
