/**
 * Membership routes. Public: `GET /members`, the set as this server sees it. Internal (cluster
 * secret, checked by http/guard.ts): set exchange, join announcements, and decommissions.
 */
import type { RouteTable } from '../http/segment-router.js';
import type { Context } from 'koa';
import {
  SERVER_ID_RULE,
  TallyError,
  isServerId,
  joinRequestSchema,
  parseMemberJson,
  memberView,
  membersFromJSON,
  membersMessageSchema,
  membersToJSON,
  withMember,
  createMembers,
  type Member,
} from '@tally/core';
import { readBody } from '../http/body.js';
import type { MemberBook } from '../members/member-book.js';
import type { Decommissioner } from '../members/decommission.js';

const MAX_MEMBER_BODY = 4 << 20;

export interface MemberRouteDeps {
  book: MemberBook;
  /** The counter service: a decommission starts only on a server that is ready. */
  readiness: { assertReady(): void };
  decommissioner: Pick<Decommissioner, 'run'>;
  /** How long a decommission may spend pushing our final counts. */
  decommissionTimeoutMs: number;
  /** Runs once the answer to a completed decommission was sent: main.ts exits 0. */
  onDecommissioned: () => void;
}

export function addMemberRoutes(router: RouteTable, deps: MemberRouteDeps): void {
  const { book } = deps;
  const answerSet = (ctx: Context): void => {
    ctx.body = { from: book.selfId, members: membersToJSON(book.set) };
  };

  router.get('/members', (ctx) => {
    book.touch(book.selfId);
    ctx.body = membersToJSON(book.set).map(memberView);
  });

  router.post('/internal/members', async (ctx) => {
    const message = parseMemberJson(await readBody(ctx, MAX_MEMBER_BODY), membersMessageSchema, 'a member set {"from", "members": [...]}');
    await book.merge(membersFromJSON(message.members));
    book.touch(message.from);
    answerSet(ctx);
  });

  router.post('/internal/join', async (ctx) => {
    const { member } = parseMemberJson(await readBody(ctx, MAX_MEMBER_BODY), joinRequestSchema, 'a join {"member": {...}}');
    assertJoinable(book, member);
    // Persisted before the answer: an acknowledged join survives our crash.
    await book.merge(withMember(createMembers(), member));
    book.touch(member.id);
    answerSet(ctx);
  });

  router.post('/internal/decommission', async (ctx) => {
    deps.readiness.assertReady();
    ctx.body = await deps.decommissioner.run(deps.decommissionTimeoutMs);
    ctx.res.once('finish', deps.onDecommissioned);
  });

  router.post('/internal/members/:id/decommission', async (ctx) => {
    const id = ctx.params.id ?? '';
    if (!isServerId(id)) throw new TallyError(400, 'bad_server_id', `${SERVER_ID_RULE}, got '${id.slice(0, 80)}'`);
    if (!(await book.decommission(id))) throw new TallyError(404, 'unknown_member', `no member with id '${id}' in this server's member set`);
    answerSet(ctx);
  });
}

/**
 * Refuses a join that must not happen: announced to a decommissioned server (503), or for an id
 * decommissioned in the same or a later epoch (409). A server still joining acknowledges too:
 * two joiners that learned of each other would otherwise wait for each other forever. Its ack
 * means the same: it persisted the joiner, and counts it from the moment it is a member itself.
 */
function assertJoinable(book: MemberBook, member: Member): void {
  if (book.isDecommissioned) throw new TallyError(503, 'not_member', `this server was decommissioned; announce the join to a member`);
  const known = book.set.get(member.id);
  if (known !== undefined && known.state === 'decommissioned' && known.epoch >= member.epoch) {
    throw new TallyError(409, 'decommissioned', `server id '${member.id}' was decommissioned in epoch ${known.epoch}; it can come back only as a new member with a higher epoch, got ${member.epoch}`);
  }
}
