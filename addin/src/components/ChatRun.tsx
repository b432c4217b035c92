import { Caption1, Text, makeStyles, mergeClasses, tokens } from '@fluentui/react-components';
import { ChatMultiple16Regular } from '@fluentui/react-icons';
import { person, shortDate } from '../format';
import type { SearchHit } from '../shared/types';
import { Snippet } from './Snippet';

/**
 * Teams chat and channel lines are archived one message per line (backend/src/teams), filed
 * under "Teams Chats/<chat>" or "Teams/<team>/<channel>". Consecutive lines of one chat read as
 * a transcript, not as a pile of tiny mails: they are shown together, one row per line.
 */
export type ListEntry = { hit: SearchHit } | { chat: string; lines: SearchHit[] };

const chatOf = (hit: SearchHit) => (/^Teams( Chats)?\//.test(hit.folder) ? hit.folder : null);

/** Groups runs of consecutive hits of the same chat or channel (two lines or more). */
export function groupChatRuns(hits: SearchHit[]): ListEntry[] {
  const out: ListEntry[] = [];
  for (const hit of hits) {
    const chat = chatOf(hit);
    const last = out[out.length - 1];
    if (chat && last && 'chat' in last && last.chat === chat) last.lines.push(hit);
    else if (chat && last && 'hit' in last && chatOf(last.hit) === chat) out[out.length - 1] = { chat, lines: [last.hit, hit] };
    else out.push({ hit });
  }
  return out;
}

const useStyles = makeStyles({
  head: {
    display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalXS, padding: `${tokens.spacingVerticalXS} ${tokens.spacingHorizontalM}`,
    color: tokens.colorBrandForeground1, backgroundColor: tokens.colorNeutralBackground2,
  },
  lines: { listStyleType: 'none', margin: 0, padding: 0, borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke3}` },
  line: {
    display: 'grid', gridTemplateColumns: 'auto 1fr auto', columnGap: tokens.spacingHorizontalS, alignItems: 'baseline', width: '100%', textAlign: 'start',
    padding: `${tokens.spacingVerticalXXS} ${tokens.spacingHorizontalM}`, border: 'none', borderLeft: `${tokens.strokeWidthThicker} solid transparent`,
    backgroundColor: tokens.colorNeutralBackground1, color: tokens.colorNeutralForeground1, fontFamily: tokens.fontFamilyBase, cursor: 'pointer',
    ':hover': { backgroundColor: tokens.colorNeutralBackground1Hover },
    ':focus-visible': { outline: `${tokens.strokeWidthThick} solid ${tokens.colorStrokeFocus2}`, outlineOffset: '-2px' },
  },
  selected: { backgroundColor: tokens.colorNeutralBackground1Selected, borderLeft: `${tokens.strokeWidthThicker} solid ${tokens.colorBrandStroke1}` },
  text: { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', minWidth: 0, color: tokens.colorNeutralForeground2 },
  time: { color: tokens.colorNeutralForeground3 },
});

/** One chat's consecutive lines, newest first as the list is, under the chat's name. */
export function ChatRun({ chat, lines, selectedId, onOpen }: { chat: string; lines: SearchHit[]; selectedId: string | null; onOpen: (id: string) => void }) {
  const styles = useStyles();
  const title = lines[0]!.subject || chat;
  return (
    <li aria-label={`${title}, ${lines.length} chat lines`} data-chat={chat}>
      <Caption1 className={styles.head}>
        <ChatMultiple16Regular aria-hidden />
        <span>{title}</span>
      </Caption1>
      <ul className={styles.lines}>
        {lines.map((hit) => (
          <li key={hit.id}>
            <button type="button" className={mergeClasses(styles.line, hit.id === selectedId && styles.selected)} onClick={() => onOpen(hit.id)} aria-current={hit.id === selectedId || undefined} data-message-id={hit.id}>
              <Text weight="semibold" size={200}>{person(hit.from)}</Text>
              <Snippet className={styles.text} text={hit.snippet} highlights={hit.highlights} />
              <Caption1 className={styles.time}><time dateTime={hit.date}>{shortDate(hit.date)}</time></Caption1>
            </button>
          </li>
        ))}
      </ul>
    </li>
  );
}
