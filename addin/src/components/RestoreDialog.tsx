import {
  Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, DialogTrigger, Radio, RadioGroup,
} from '@fluentui/react-components';
import { useState } from 'react';

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
  onCancel: () => void;
  onRestore: (folder: { id: string; label: string }) => void;
}

export function RestoreDialog({ open, archivedFolder, onCancel, onRestore }: Props) {
  const [choice, setChoice] = useState(() => suggestedFolder(archivedFolder));
  const folder = RESTORE_FOLDERS.find((f) => f.id === choice) ?? RESTORE_FOLDERS[0];
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
                A copy of the message goes back into your mailbox; the archive keeps its copy.
                {archivedFolder && ` It was archived from ${archivedFolder}.`}
              </p>
              <RadioGroup value={choice} onChange={(_, d) => setChoice(d.value)} aria-label="Folder">
                {RESTORE_FOLDERS.map((f) => <Radio key={f.id} value={f.id} label={f.label} />)}
              </RadioGroup>
            </DialogContent>
            <DialogActions>
              <DialogTrigger disableButtonEnhancement>
                <Button appearance="secondary">Cancel</Button>
              </DialogTrigger>
              <Button appearance="primary" type="submit">Restore to {folder.label}</Button>
            </DialogActions>
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}
