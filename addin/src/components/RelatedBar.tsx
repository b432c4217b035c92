import { Button, Caption1, makeStyles, tokens } from '@fluentui/react-components';
import { ChatMultiple20Regular, Person20Regular } from '@fluentui/react-icons';
import type { OpenItem } from '../office';
import { relatedQuery } from '../query';

const useStyles = makeStyles({
  root: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: tokens.spacingHorizontalXS,
    padding: `${tokens.spacingVerticalXS} ${tokens.spacingHorizontalM}`,
    backgroundColor: tokens.colorNeutralBackground3,
  },
  label: { flexBasis: '100%', color: tokens.colorNeutralForeground2 },
});

/** "Find related in archive" for the message open in Outlook. */
export function RelatedBar({ item, onSearch }: { item: OpenItem; onSearch: (q: string) => void }) {
  const styles = useStyles();
  const conversation = relatedQuery(item, 'conversation');
  const sender = relatedQuery(item, 'sender');
  return (
    <section className={styles.root} aria-label="Find related in archive">
      <Caption1 className={styles.label}>Find related in archive</Caption1>
      {conversation && (
        <Button size="small" icon={<ChatMultiple20Regular />} onClick={() => onSearch(conversation)}>This conversation</Button>
      )}
      {sender && (
        <Button size="small" icon={<Person20Regular />} onClick={() => onSearch(sender)}>
          From {item.fromName || item.fromAddress}
        </Button>
      )}
    </section>
  );
}
