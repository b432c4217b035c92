import { Caption1, Spinner, makeStyles, mergeClasses, tokens } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { describeError } from '../errors';
import { person, shortDate } from '../format';
import type { ApiClient } from '../shared/api';
import type { Conversation, SearchHit } from '../shared/types';

const useStyles = makeStyles({
  root: { margin: `0 ${tokens.spacingHorizontalM} ${tokens.spacingVerticalS}`, borderLeft: `${tokens.strokeWidthThick} solid ${tokens.colorNeutralStroke2}` },
  heading: { margin: 0, padding: `0 ${tokens.spacingHorizontalS}`, fontSize: tokens.fontSizeBase200, fontWeight: tokens.fontWeightSemibold },
  list: { listStyleType: 'none', margin: 0, padding: 0 },
  item: {
    display: 'flex', flexWrap: 'wrap', alignItems: 'center', columnGap: tokens.spacingHorizontalS, width: '100%', minHeight: '32px', textAlign: 'start', border: 'none', cursor: 'pointer',
    padding: `${tokens.spacingVerticalXS} ${tokens.spacingHorizontalS}`, backgroundColor: 'transparent', color: tokens.colorNeutralForeground1, fontFamily: tokens.fontFamilyBase,
    ':hover': { backgroundColor: tokens.colorNeutralBackground1Hover },
    ':focus-visible': { outline: `${tokens.strokeWidthThick} solid ${tokens.colorStrokeFocus2}`, outlineOffset: '-2px' },
  },
  current: { backgroundColor: tokens.colorNeutralBackground1Selected, fontWeight: tokens.fontWeightSemibold },
  muted: { color: tokens.colorNeutralForeground3 },
});

/** The open message's thread, oldest first (GET /messages/:id/conversation); choosing one opens it. */
export function ConversationList({ api, hit, onOpen }: { api: ApiClient; hit: SearchHit; onOpen: (hit: SearchHit) => void }) {
  const styles = useStyles();
  const [thread, setThread] = useState<Conversation | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.conversation(hit.id).then((t) => live && setThread(t), (err: unknown) => live && setError(describeError(err).message));
    return () => {
      live = false;
    };
  }, [api, hit.id]);
  const count = thread?.value.length ?? 0;
  return (
    <section className={styles.root} aria-labelledby="conversation-title">
      <h3 id="conversation-title" className={styles.heading}>
        Conversation{thread && `, ${count}${thread.more ? '+' : ''} ${count === 1 ? 'message' : 'messages'}`}
      </h3>
      {error && <Caption1 role="alert">{error}</Caption1>}
      {!thread && !error && <Spinner size="tiny" label="Finding the conversation…" />}
      {thread && (
        <ol className={styles.list}>
          {thread.value.map((m) => (
            <li key={m.id}>
              <button type="button" className={mergeClasses(styles.item, m.id === hit.id && styles.current)} aria-current={m.id === hit.id || undefined} onClick={() => onOpen(m)}>
                <span>{person(m.from)}</span>
                <time className={styles.muted} dateTime={m.date}>{shortDate(m.date)}</time>
              </button>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
