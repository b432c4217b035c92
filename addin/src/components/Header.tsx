import { Avatar, Button, Menu, MenuItem, MenuList, MenuPopover, MenuTrigger, Subtitle2, makeStyles, tokens } from '@fluentui/react-components';
import { Archive20Regular, SignOut20Regular } from '@fluentui/react-icons';
import type { SignedInAccount } from '../shared/auth';

const useStyles = makeStyles({
  root: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`,
    borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    backgroundColor: tokens.colorNeutralBackground2,
  },
  icon: { color: tokens.colorBrandForeground1 },
  title: { flexGrow: 1, margin: 0 },
});

/** The avatar's letters: first and last word's first letter (Fluent's own rule, made explicit so the button's name can say them). */
const initialsOf = (name: string) => {
  const words = name.trim().split(/\s+/).filter(Boolean);
  return [words[0], words.length > 1 ? words[words.length - 1] : undefined].map((w) => (w ? [...w][0]!.toUpperCase() : '')).join('');
};

export function Header({ account, onSignOut }: { account: SignedInAccount | null; onSignOut: () => void }) {
  const styles = useStyles();
  const initials = account ? initialsOf(account.name) : '';
  return (
    <header className={styles.root}>
      <Archive20Regular className={styles.icon} aria-hidden />
      <Subtitle2 as="h1" className={styles.title}>Search my archive</Subtitle2>
      {/* The button's name holds the letters shown (WCAG 2.5.3): a speech user can say "click MB". */}
      {account && (
        <Menu>
          <MenuTrigger disableButtonEnhancement>
            <Button
              appearance="transparent"
              aria-label={`${initials}: signed in as ${account.name}`}
              icon={<Avatar name={account.name} initials={initials} size={24} />}
            />
          </MenuTrigger>
          <MenuPopover>
            <MenuList>
              <MenuItem disabled>{account.username}</MenuItem>
              <MenuItem icon={<SignOut20Regular />} onClick={onSignOut}>Sign out</MenuItem>
            </MenuList>
          </MenuPopover>
        </Menu>
      )}
    </header>
  );
}
