import type { Tenant } from '../tenant/model';
import { teamworkOf } from './model';

interface Ids { id: string }
type People = Record<'admin' | 'megan' | 'alex' | 'lee', Ids>;

/** The Project Falcon Microsoft 365 group (seed-directory.ts) is also a team. */
export const FALCON_TEAM_ID = '1a2b3c4d-0000-4000-b000-000000000002';
export const DEMO_CHATS = {
  oneOnOne: '19:0d1e7a11-0000-4000-a000-000000000002_0d1e7a11-0000-4000-a000-000000000003@unq.gbl.spaces',
  group: '19:falconcrew5c1e4d8a9b7f4e0c@thread.v2',
} as const;
export const DEMO_CHANNELS = { general: '19:falcongeneral0a1b2c3d@thread.tacv2', design: '19:falcondesign4e5f6a7b@thread.tacv2' } as const;

/**
 * Demo chats and a team: a 1:1 chat, a group chat with a mention, a reaction and a file, and
 * Project Falcon's channels with replies, an edited message and a deleted one. Fixed dates:
 * the same on every clone.
 */
export function seedDemoTeams(tenant: Tenant, u: People): void {
  const tw = teamworkOf(tenant);
  const dm = tw.addChat(DEMO_CHATS.oneOnOne, 'oneOnOne', null, [u.megan.id, u.alex.id], '2024-03-05T08:55:00Z');
  tw.post({ chat: dm }, { from: u.megan.id, at: '2024-03-05T09:00:00Z', html: '<p>Morning Alex, did the printer send the brochure proofs?</p>' });
  tw.post({ chat: dm }, { from: u.alex.id, at: '2024-03-05T09:01:30Z', html: '<p>Yes, the proofs arrived. The kingfisher photo looks great on the cover.</p>' });
  tw.post({ chat: dm }, { from: u.megan.id, at: '2024-03-05T09:02:10Z', html: '<p>Perfect, thanks!</p>', reactions: [{ user: u.alex.id, type: 'like', at: '2024-03-05T09:02:40Z' }] });

  const crew = tw.addChat(DEMO_CHATS.group, 'group', 'Falcon launch crew', [u.megan.id, u.alex.id, u.lee.id], '2024-03-06T13:00:00Z');
  tw.post({ chat: crew }, { from: u.lee.id, at: '2024-03-06T13:05:00Z', html: '<p><at id="0">Megan Bowen</at> the pallets leave the plant on Tuesday.</p>', mentions: [u.megan.id] });
  tw.post({ chat: crew }, {
    from: u.megan.id, at: '2024-03-06T13:07:00Z', html: '<p>Great. Here is the shipping plan. <attachment id="b1a2c3d4"></attachment></p>',
    attachments: [{ id: 'b1a2c3d4', contentType: 'reference', contentUrl: 'https://contoso.sharepoint.com/sites/falcon/Shared%20Documents/shipping-plan.xlsx', name: 'shipping-plan.xlsx', content: null, thumbnailUrl: null }],
  });
  const typo = tw.post({ chat: crew }, { from: u.alex.id, at: '2024-03-06T13:09:00Z', html: '<p>I will tell the warehuose.</p>' });
  tw.edit(typo.id!, '<p>I will tell the warehouse.</p>', '2024-03-06T13:09:40Z');

  const team = tw.addTeam(FALCON_TEAM_ID, 'Project Falcon', 'Microsoft 365 group of the Falcon product launch', [u.admin.id, u.megan.id, u.alex.id, u.lee.id]);
  const general = tw.addChannel(team, DEMO_CHANNELS.general, 'General', '2023-04-02T09:00:00Z');
  const design = tw.addChannel(team, DEMO_CHANNELS.design, 'Design', '2023-04-02T09:05:00Z');
  const root = tw.post({ team, channel: general }, { from: u.admin.id, at: '2024-03-07T10:00:00Z', html: '<p>Welcome to Project Falcon! Launch review is on the 20th.</p>' });
  tw.post({ team, channel: general }, { from: u.lee.id, at: '2024-03-07T10:12:00Z', html: '<p>Manufacturing is on track for the review.</p>', replyToId: root.id! });
  tw.post({ team, channel: general }, { from: u.megan.id, at: '2024-03-07T10:15:00Z', html: '<p>Marketing too.</p>', replyToId: root.id!, reactions: [{ user: u.admin.id, type: 'heart', at: '2024-03-07T10:16:00Z' }] });
  const draft = tw.post({ team, channel: design }, { from: u.alex.id, at: '2024-03-07T11:00:00Z', html: '<p>Ignore this, posted to the wrong channel.</p>' });
  tw.remove(draft.id!, '2024-03-07T11:01:00Z');
  tw.post({ team, channel: design }, { from: u.megan.id, at: '2024-03-07T11:30:00Z', html: '<p>New logo colours: <b>teal</b> and sand.</p>' });
}
