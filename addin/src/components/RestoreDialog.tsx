import {
  Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, DialogTrigger, Field, Input, MessageBar, MessageBarBody, Radio, RadioGroup,
} from '@fluentui/react-components';
import { useState } from 'react';
import { fileSize } from '../format';
import type { RestoreTarget } from '../shared/types';

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

/** Where the archive puts what it crawls from an online archive (backend ONLINE_ARCHIVE_ROOT). */
const ONLINE_ARCHIVE_ROOT = 'Online Archive/';

/**
 * The folder of the online archive a message came from (its archived path without the root), or
 * Inbox. Online archives have no well-known folder names, so a restore there names a path.
 */
export function suggestedArchivePath(path: string | undefined): string {
  return path?.startsWith(ONLINE_ARCHIVE_ROOT) ? path.slice(ONLINE_ARCHIVE_ROOT.length) : 'Inbox';
}

interface Props {
  open: boolean;
  archivedFolder?: string;
  /** The person has an online archive: offered as a target besides the mailbox. */
  onlineArchive: boolean;
  /** Size of the archived message in bytes. */
  size: number;
  onCancel: () => void;
  onRestore: (choice: { target: RestoreTarget; label: string }) => void;
}

export function RestoreDialog({ open, archivedFolder, onlineArchive, size, onCancel, onRestore }: Props) {
  const [choice, setChoice] = useState(() => suggestedFolder(archivedFolder));
  const [into, setInto] = useState<'mailbox' | 'online'>(() => (onlineArchive && archivedFolder?.startsWith(ONLINE_ARCHIVE_ROOT) ? 'online' : 'mailbox'));
  const [archivePath, setArchivePath] = useState(() => suggestedArchivePath(archivedFolder));
  const folder = RESTORE_FOLDERS.find((f) => f.id === choice) ?? RESTORE_FOLDERS[0];
  const tooLarge = size > RESTORE_LIMIT_BYTES;
  const online = into === 'online';
  const path = archivePath.trim();
  const chosen = online
    ? { target: { onlineArchive: true as const, folderPath: path }, label: `${path} in your online archive` }
    : { target: { folder: folder.id }, label: `${folder.label} in your mailbox` };
  return (
    <Dialog open={open} onOpenChange={(_, d) => !d.open && onCancel()}>
      <DialogSurface aria-describedby="restore-help">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            onRestore(chosen);
          }}
        >
          <DialogBody>
            <DialogTitle>{online ? 'Restore to your online archive' : 'Restore to your mailbox'}</DialogTitle>
            <DialogContent>
              <p id="restore-help">
                A restored copy goes back into your {online ? 'online archive' : 'mailbox'}: a normal message with its original sender, recipients,
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
              {onlineArchive && (
                <Field label="Restore into">
                  <RadioGroup value={into} onChange={(_, d) => setInto(d.value as 'mailbox' | 'online')} layout="horizontal">
                    <Radio value="mailbox" label="My mailbox" />
                    <Radio value="online" label="My online archive" />
                  </RadioGroup>
                </Field>
              )}
              {online ? (
                <Field label="Folder in the online archive" hint="A folder path, such as Inbox or Inbox/Projects" required>
                  <Input value={archivePath} onChange={(_, d) => setArchivePath(d.value)} />
                </Field>
              ) : (
                <Field label={onlineArchive ? 'Folder' : undefined}>
                  <RadioGroup value={choice} onChange={(_, d) => setChoice(d.value)} aria-label="Folder">
                    {RESTORE_FOLDERS.map((f) => <Radio key={f.id} value={f.id} label={f.label} />)}
                  </RadioGroup>
                </Field>
              )}
            </DialogContent>
            <DialogActions>
              <DialogTrigger disableButtonEnhancement>
                <Button appearance="secondary">Cancel</Button>
              </DialogTrigger>
              <Button appearance="primary" type="submit" disabled={tooLarge || (online && !path)}>{online ? 'Restore to online archive' : `Restore to ${folder.label}`}</Button>
            </DialogActions>
          </DialogBody>
        </form>
      </DialogSurface>
    </Dialog>
  );
}
