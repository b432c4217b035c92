import { makeStyles, tokens } from '@fluentui/react-components';
import type { Highlight } from '../shared/types';

const useStyles = makeStyles({
  mark: {
    backgroundColor: tokens.colorPaletteYellowBackground2,
    // The snippet's own grey is too faint on the yellow in dark mode (2.1:1); full-strength text reads at 4.7:1 there.
    color: tokens.colorNeutralForeground1,
    borderRadius: tokens.borderRadiusSmall,
  },
});

/** The snippet with the matched words marked (offsets in UTF-16 units, as JavaScript strings count). */
export function Snippet({ text, highlights, className }: { text: string; highlights: Highlight[]; className?: string }) {
  const styles = useStyles();
  const parts: React.ReactNode[] = [];
  let at = 0;
  for (const { start, end } of [...highlights].sort((a, b) => a.start - b.start)) {
    if (start < at || end <= start || end > text.length) continue;
    if (start > at) parts.push(text.slice(at, start));
    parts.push(<mark key={start} className={styles.mark}>{text.slice(start, end)}</mark>);
    at = end;
  }
  parts.push(text.slice(at));
  return <span className={className}>{parts}</span>;
}
