import type { GraphResponse, HandlerContext } from '../graph/types';
import { channelsGetAllMessages, chatsGetAllMessages } from './export-api';
import { getChat, listChannels, listTeamMembers, listTeams } from './resources';

/** Teams routes (method, path as in routes.ts); the export APIs apply Teams' own limits themselves. */
export const TEAMS_ROUTES: [string, string, (h: HandlerContext) => Promise<GraphResponse>][] = [
  ['GET', 'users/:user/chats/getallmessages', chatsGetAllMessages],
  ['GET', 'chats/:chat', getChat],
  ['GET', 'teams', listTeams],
  ['GET', 'teams/:team/members', listTeamMembers],
  ['GET', 'teams/:team/channels', listChannels],
  ['GET', 'teams/:team/channels/getallmessages', channelsGetAllMessages],
];
