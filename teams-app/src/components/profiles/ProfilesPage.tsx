import { useHashPath } from '../../route';
import { ProfileList } from './ProfileList';
import { ProfileWizard } from './ProfileWizard';
import { RunHistory } from './RunHistory';
import { RunView } from './RunView';

/** #profiles, #profiles/new, #profiles/edit/<id>, #profiles/history/<id>, #profiles/run/<runId>. */
export function ProfilesPage() {
  const [, view, id] = useHashPath();
  if (view === 'new') return <ProfileWizard />;
  if (view === 'edit' && id) return <ProfileWizard key={id} profileId={id} />;
  if (view === 'history' && id) return <RunHistory profileId={id} />;
  if (view === 'run' && id) return <RunView key={id} runId={id} />;
  return <ProfileList />;
}
