import { Button, Spinner, Text, makeStyles, mergeClasses, tokens, typographyStyles } from '@fluentui/react-components';
import { CheckmarkCircle20Filled } from '@fluentui/react-icons';
import { useEffect, useRef, useState } from 'react';
import { ApiError } from '@shared/api';
import { useApi } from '../../api/context';
import type { Profile } from '../../api/types';
import { navigate } from '../../route';
import { ErrorBar } from '../common/ErrorBar';
import { fieldMessage } from '../common/fieldError';
import { useLoad } from '../common/useLoad';
import { draftOf, newDraft, toInput, type Draft } from './draft';
import { Saved } from './Saved';
import { StepFilters } from './StepFilters';
import { StepFolders } from './StepFolders';
import { StepKind } from './StepKind';
import { StepMailboxes } from './StepMailboxes';
import { StepName } from './StepName';
import type { StepProps } from './StepProps';
import { STEPS, stepOfField } from './steps';
import { StepTarget } from './StepTarget';

const VIEWS: Record<(typeof STEPS)[number]['id'], (p: StepProps) => React.JSX.Element> = {
  kind: StepKind,
  mailboxes: StepMailboxes,
  folders: StepFolders,
  filters: StepFilters,
  target: StepTarget,
  name: StepName,
};

const useStyles = makeStyles({
  root: {
    display: 'grid',
    gridTemplateColumns: '220px 1fr',
    gap: tokens.spacingHorizontalXXL,
    alignItems: 'start',
    // A narrow tab (320 px, zoomed) stacks the step list above the step instead of scrolling sideways.
    '@media (max-width: 640px)': { gridTemplateColumns: 'minmax(0, 1fr)', gap: tokens.spacingVerticalL },
  },
  steps: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS, listStyle: 'none', margin: 0, padding: 0 },
  step: { justifyContent: 'flex-start', textAlign: 'start', width: '100%' },
  current: { fontWeight: tokens.fontWeightSemibold, backgroundColor: tokens.colorNeutralBackground1Selected },
  body: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL, maxWidth: '760px' },
  buttons: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS },
  heading: { ...typographyStyles.subtitle1, margin: 0 },
});

/** The profile wizard, shaped like MailStore's: kind → mailboxes → folders → filters → target → name and schedule. */
export function ProfileWizard({ profileId }: { profileId?: string }) {
  const api = useApi();
  const existing = useLoad(() => (profileId ? api.profile(profileId) : Promise.resolve(null)), [profileId]);
  const users = useLoad(() => api.users('active'), []);
  if (profileId && !existing.data) return existing.error ? <ErrorBar error={existing.error} /> : <Spinner label="Loading the profile…" />;
  return <WizardForm existing={existing.data ?? null} users={users.data ?? []} />;
}

function WizardForm({ existing, users }: { existing: Profile | null; users: StepProps['users'] }) {
  const api = useApi();
  const styles = useStyles();
  const [draft, setDraft] = useState<Draft>(() => (existing ? draftOf(existing) : newDraft()));
  const [step, setStep] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<Profile | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const shownStep = useRef(step);
  // A new step takes focus to its heading, so keyboard and screen-reader users start reading it (not on opening the wizard).
  useEffect(() => {
    if (shownStep.current !== step) heading.current?.focus();
    shownStep.current = step;
  }, [step]);
  if (saved) return <Saved profile={saved} created={!existing} />;

  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const fieldError = (...paths: string[]) => fieldMessage(error, ...paths);
  const placed = error instanceof ApiError && error.field !== undefined && STEPS[stepOfField(error.field)]!.id === STEPS[step]!.id;
  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      const input = toInput(draft);
      setSaved(existing ? await api.replaceProfile(existing.id, input) : await api.createProfile(input));
    } catch (err) {
      setError(err);
      // Take the administrator to the step whose field the server named.
      if (err instanceof ApiError && err.field) setStep(stepOfField(err.field));
    } finally {
      setSaving(false);
    }
  };
  const View = VIEWS[STEPS[step]!.id];
  const last = step === STEPS.length - 1;
  return (
    <div className={styles.root}>
      <nav aria-label="Wizard steps">
        <ol className={styles.steps}>
          {STEPS.map((s, i) => (
            <li key={s.id}>
              <Button
                appearance="subtle"
                className={mergeClasses(styles.step, i === step && styles.current)}
                aria-current={i === step ? 'step' : undefined}
                icon={i < step ? <CheckmarkCircle20Filled /> : undefined}
                onClick={() => setStep(i)}
              >
                {`${i + 1}. ${s.title}`}
              </Button>
            </li>
          ))}
        </ol>
      </nav>
      <form className={styles.body} onSubmit={(e) => e.preventDefault()} aria-label={`${existing ? 'Edit' : 'New'} archiving profile`}>
        <h2 className={styles.heading} ref={heading} tabIndex={-1}>{`${existing ? `Edit “${existing.name}”` : 'New archiving profile'}: ${STEPS[step]!.title}`}</h2>
        <View draft={draft} set={set} error={fieldError} users={users} />
        {error !== null && !placed && <ErrorBar error={error as Error} title="The profile was not saved" />}
        <div className={styles.buttons}>
          <Button onClick={() => navigate('profiles')}>Cancel</Button>
          <Button disabled={step === 0} onClick={() => setStep(step - 1)}>
            Back
          </Button>
          {!last && (
            <Button appearance="primary" onClick={() => setStep(step + 1)}>
              Next
            </Button>
          )}
          {last && (
            <Button appearance="primary" disabled={saving} onClick={() => void save()}>
              {saving ? 'Saving…' : existing ? 'Save changes' : 'Create profile'}
            </Button>
          )}
          {!last && existing && (
            <Button appearance="secondary" disabled={saving} onClick={() => void save()}>
              Save changes
            </Button>
          )}
        </div>
        {error instanceof ApiError && placed && <Text role="alert">Not saved: see the field marked above.</Text>}
      </form>
    </div>
  );
}
