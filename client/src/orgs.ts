// Organizations (/api/orgs): thin, typed calls over `api`, plus the active organization, whose
// access token replaces the client's (and every tab's: see Session.replaceToken).
import type { Client } from 'openapi-fetch';
import type { components, paths } from './api.js';
import type { OrgRole, Session } from './session.js';

export type Organization = components['schemas']['Organization'];
export type OrganizationMember = components['schemas']['OrganizationMember'];
export type Invitation = components['schemas']['Invitation'];

export interface OrgsApi {
  /** My organizations, with my role in each, by name. */
  list(): Promise<Organization[]>;
  /** A new organization, which I own (`slug` is made from the name when omitted). */
  create(input: { name: string; slug?: string }): Promise<Organization>;
  get(orgId: string): Promise<Organization>;
  /** A new name or slug, or both (admins and owners). */
  rename(orgId: string, changes: { name?: string; slug?: string }): Promise<Organization>;
  /** Deletes the organization (owners); deactivates it first when it is the active one. */
  remove(orgId: string): Promise<void>;
  /** One page of members, oldest first: pass `next_cursor` back as `cursor` (null on the last page). */
  members(
    orgId: string,
    page?: { cursor?: string; limit?: number },
  ): Promise<{ members: OrganizationMember[]; next_cursor: string | null }>;
  setRole(orgId: string, userId: string, role: OrgRole): Promise<{ user_id: string; role: OrgRole }>;
  removeMember(orgId: string, userId: string): Promise<void>;
  /** Leaves the organization; deactivates it afterwards when it was the active one. */
  leave(orgId: string): Promise<void>;
  /** Emails an invitation link to `email` (admins and owners); `role` defaults to member. */
  invite(orgId: string, input: { email: string; role?: OrgRole }): Promise<Invitation>;
  /** Pending invitations, newest first (admins and owners). */
  invitations(orgId: string): Promise<Invitation[]>;
  revokeInvitation(orgId: string, invitationId: string): Promise<void>;
  /** The `token` of the emailed link; signed in with the invited, verified address. */
  acceptInvitation(token: string): Promise<Organization>;
  /**
   * Acts for this organization: the API's new access token, with `org_id` and `org_role`, replaces
   * the client's, and `auth.state.organization` follows (listeners are told). The other tabs of the
   * site get the token at once (BroadcastChannel); without it (or with `coordinateTabs: false`), at
   * their next refresh, because the API's session keeps the choice: later refreshes and page loads
   * carry the same claims, the role read again each time.
   */
  activate(orgId: string): Promise<Organization>;
  /** Acts for no organization: a new access token without org claims, likewise everywhere. */
  deactivate(): Promise<void>;
}

export function createOrgs(api: Client<paths>, session: Session): OrgsApi {
  const org = (id: string) => ({ params: { path: { id } } });
  const member = (id: string, userId: string) => ({ params: { path: { id, userId } } });
  // Every error answer is thrown by the client's fetch, so `data` is set whenever a call returns.
  const switched = (data: components['schemas']['ActiveOrganization'] | undefined) => {
    session.replaceToken(data!.access_token, data!.expires_in);
    return data!.organization;
  };

  const orgs: OrgsApi = {
    list: async () => (await api.GET('/api/orgs')).data!.organizations,
    create: async (body) => (await api.POST('/api/orgs', { body })).data!,
    get: async (id) => (await api.GET('/api/orgs/{id}', org(id))).data!,
    rename: async (id, body) => (await api.PATCH('/api/orgs/{id}', { ...org(id), body })).data!,
    async remove(id) {
      await api.DELETE('/api/orgs/{id}', org(id));
      await deactivateIfActive(id);
    },
    members: async (id, query = {}) =>
      (await api.GET('/api/orgs/{id}/members', { params: { path: { id }, query } })).data!,
    setRole: async (id, userId, role) =>
      (await api.PATCH('/api/orgs/{id}/members/{userId}', { ...member(id, userId), body: { role } })).data!,
    async removeMember(id, userId) {
      await api.DELETE('/api/orgs/{id}/members/{userId}', member(id, userId));
    },
    async leave(id) {
      await api.POST('/api/orgs/{id}/leave', org(id));
      await deactivateIfActive(id);
    },
    invite: async (id, body) => (await api.POST('/api/orgs/{id}/invitations', { ...org(id), body })).data!,
    invitations: async (id) => (await api.GET('/api/orgs/{id}/invitations', org(id))).data!.invitations,
    async revokeInvitation(id, invitationId) {
      await api.DELETE('/api/orgs/{id}/invitations/{invitationId}', { params: { path: { id, invitationId } } });
    },
    acceptInvitation: async (token) => (await api.POST('/api/orgs/invitations/accept', { body: { token } })).data!,
    activate: async (id) => switched((await api.POST('/api/orgs/{id}/activate', org(id))).data)!,
    async deactivate() {
      switched((await api.POST('/api/orgs/deactivate')).data);
    },
  };

  /**
   * After leaving or deleting the active organization, a token without its claims at once. Best
   * effort: the change itself is done, and the next refresh drops the claims anyway.
   */
  async function deactivateIfActive(id: string) {
    if (session.state.organization?.id === id) await orgs.deactivate().catch(() => undefined);
  }

  return orgs;
}
