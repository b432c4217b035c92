import { Caption1, Text, makeStyles, mergeClasses, tokens } from '@fluentui/react-components';
import { Attach16Regular } from '@fluentui/react-icons';
import { person, shortDate } from '../format';
import type { SearchHit } from '../shared/types';
import { Snippet } from './Snippet';

const useStyles = makeStyles({
  button: {
    display: 'grid',
    gridTemplateColumns: '1fr auto',
    columnGap: tokens.spacingHorizontalS,
    width: '100%',
    textAlign: 'start',
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`,
    border: 'none',
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke3}`,
    borderLeft: `${tokens.strokeWidthThicker} solid transparent`,
    backgroundColor: tokens.colorNeutralBackground1,
    color: tokens.colorNeutralForeground1,
    fontFamily: tokens.fontFamilyBase,
    cursor: 'pointer',
    ':hover': { backgroundColor: tokens.colorNeutralBackground1Hover },
    ':focus-visible': { outline: `${tokens.strokeWidthThick} solid ${tokens.colorStrokeFocus2}`, outlineOffset: '-2px' },
  },
  selected: {
    backgroundColor: tokens.colorNeutralBackground1Selected,
    borderLeft: `${tokens.strokeWidthThicker} solid ${tokens.colorBrandStroke1}`,
  },
  ellipsis: { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', minWidth: 0 },
  subject: { gridColumn: '1 / -1', color: tokens.colorBrandForeground1 },
  // Foreground1 on the selected grey is 4.2:1 in the dark theme; Foreground2 keeps 4.5:1 in both themes.
  selectedSubject: { color: tokens.colorBrandForeground2 },
  meta: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalXXS, color: tokens.colorNeutralForeground3, justifySelf: 'end' },
  snippet: {
    gridColumn: '1 / -1',
    color: tokens.colorNeutralForeground3,
    fontSize: tokens.fontSizeBase200,
    lineHeight: tokens.lineHeightBase200,
    display: '-webkit-box',
    WebkitLineClamp: 2,
    WebkitBoxOrient: 'vertical',
    overflow: 'hidden',
  },
});

export function ResultRow({ hit, selected, onOpen }: { hit: SearchHit; selected: boolean; onOpen: () => void }) {
  const styles = useStyles();
  const sender = person(hit.from);
  return (
    <li>
      <button
        type="button"
        className={mergeClasses(styles.button, selected && styles.selected)}
        onClick={onOpen}
        aria-current={selected || undefined}
        data-message-id={hit.id}
      >
        <Text weight="semibold" className={styles.ellipsis}>{sender}</Text>
        <Caption1 className={styles.meta}>
          {hit.hasAttachments && <Attach16Regular aria-label="Has attachments" />}
          <time dateTime={hit.date}>{shortDate(hit.date)}</time>
        </Caption1>
        <Text size={200} className={mergeClasses(styles.ellipsis, styles.subject, selected && styles.selectedSubject)}>
          {hit.subject ? <Snippet text={hit.subject} highlights={hit.subjectHighlights ?? []} /> : '(no subject)'}
        </Text>
        <Snippet className={styles.snippet} text={hit.snippet} highlights={hit.highlights} />
      </button>
    </li>
  );
}
