import { makeStyles, tokens } from '@fluentui/react-components';
import type { ReactNode } from 'react';

const useStyles = makeStyles({
  scroll: {
    overflowX: 'auto',
    maxWidth: '100%',
    ':focus-visible': { outline: `${tokens.strokeWidthThick} solid ${tokens.colorStrokeFocus2}` },
  },
});

/**
 * A table's own sideways scroll: at 320 px (a narrow window, 400% zoom) the page reflows and only
 * the table scrolls. Focusable and named, so keyboard users can scroll it too (WCAG 2.1.1, 1.4.10).
 */
export function TableScroll({ label, children }: { label: string; children: ReactNode }) {
  const styles = useStyles();
  return (
    // A group, not a region: no landmark per table, and no name a page's sections could be confused with.
    <div className={styles.scroll} role="group" aria-label={`${label}, scrolls sideways`} tabIndex={0}>
      {children}
    </div>
  );
}
