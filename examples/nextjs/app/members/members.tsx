'use client';
// The active organization's members and, for its admins and owners, their management: change a
// role, remove someone, invite an address with a role, and the pending invitations with revoke. The
// API checks every change again (ORG_ROLE_REQUIRED, LAST_OWNER...); the page only hides what the
// role cannot do.
import type { Invitation, OrganizationMember, OrgRole } from '@liftoff/client';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useState } from 'react';
import { Alert, Field, formValues, SelectField, SubmitButton, useAction } from '@/components/ui';
import { useLiftoff } from '@/components/liftoff-provider';
import { activeDetails, atMost, canManage, rolesUpTo } from '@/lib/orgs';

const when = (iso: string) => new Date(iso).toLocaleDateString('en', { dateStyle: 'medium' });

export function Members() {
  const { organization, organizations } = useLiftoff();
  if (!organization) {
    return (
      <>
        <h1>Members</h1>
        <Alert kind="info">
          You are not acting for an organization. Choose one in the Organization menu above, or see{' '}
          <Link href="/organizations">your organizations</Link>.
        </Alert>
      </>
    );
  }
  if (!organizations) return <p className="muted">Loading…</p>;
  const details = activeDetails(organization, organizations);
  if (!details) {
    return (
      <>
        <h1>Members</h1>
        <Alert kind="info">
          The active organization is no longer one of yours. Choose another one in the Organization menu above.
        </Alert>
      </>
    );
  }
  // Keyed by organization: switching shows the new one's lists, not the old one's.
  return (
    <div key={details.id}>
      <h1>Members of {details.name}</h1>
      <p className="muted" data-testid="active-organization">
        You are acting for <strong>{details.name}</strong> as {details.role}.
      </p>
      <MemberList orgId={details.id} myRole={details.role} />
      {canManage(details.role) && <Invitations orgId={details.id} myRole={details.role} />}
      <Leave orgId={details.id} name={details.name} />
    </div>
  );
}

function MemberList({ orgId, myRole }: { orgId: string; myRole: OrgRole }) {
  const { client, user } = useLiftoff();
  const [members, setMembers] = useState<OrganizationMember[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const { pending, error, run } = useAction();

  // The first page, or the page after `cursor` added to the list.
  const load = useCallback(
    async (cursor?: string) => {
      const page = await client.orgs.members(orgId, cursor ? { cursor } : {});
      setMembers((shown) => (cursor ? [...(shown ?? []), ...page.members] : page.members));
      setNextCursor(page.next_cursor);
    },
    [client, orgId],
  );
  useEffect(() => {
    void run(() => load());
  }, [load]);

  // Admins manage members and admins; owners everyone. Yourself: see "Leave" below.
  const manageable = (member: OrganizationMember) =>
    canManage(myRole) && member.user_id !== user?.id && atMost(member.role, myRole);

  return (
    <section className="card" aria-labelledby="members-title">
      <h2 id="members-title">Members</h2>
      {error && <Alert>{error}</Alert>}
      {members === null ? (
        <p className="muted">Loading…</p>
      ) : (
        <ul className="rows" data-testid="members">
          {members.map((member) => (
            <li key={member.user_id}>
              <div>
                <strong>{member.name ?? member.email}</strong>
                {member.user_id === user?.id && <span className="badge badge-ok">You</span>}
                <div className="muted">
                  {member.name && `${member.email} · `}
                  <span data-testid="role">{member.role}</span> · joined {when(member.joined_at)}
                </div>
              </div>
              {manageable(member) && (
                <form
                  className="inline-form"
                  onSubmit={(event) => {
                    event.preventDefault();
                    const { role } = formValues(event.currentTarget);
                    void run(async () => {
                      await client.orgs.setRole(orgId, member.user_id, role as OrgRole);
                      await load();
                    });
                  }}
                >
                  <select name="role" aria-label={`Role of ${member.email}`} defaultValue={member.role}>
                    {rolesUpTo(myRole).map((role) => (
                      <option key={role} value={role}>
                        {role}
                      </option>
                    ))}
                  </select>
                  <button type="submit" className="button-secondary" disabled={pending}>
                    Change role
                  </button>
                  <button
                    type="button"
                    className="button-secondary"
                    disabled={pending}
                    onClick={() => {
                      if (!window.confirm(`Remove ${member.email} from the organization?`)) return;
                      void run(async () => {
                        await client.orgs.removeMember(orgId, member.user_id);
                        await load();
                      });
                    }}
                  >
                    Remove
                  </button>
                </form>
              )}
            </li>
          ))}
        </ul>
      )}
      {nextCursor && (
        <button
          type="button"
          className="button-secondary"
          disabled={pending}
          onClick={() => void run(() => load(nextCursor))}
        >
          Show more members
        </button>
      )}
    </section>
  );
}

function Invitations({ orgId, myRole }: { orgId: string; myRole: OrgRole }) {
  const { client } = useLiftoff();
  const [invitations, setInvitations] = useState<Invitation[] | null>(null);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const list = useAction();
  const invite = useAction();

  const load = useCallback(async () => {
    setInvitations(await client.orgs.invitations(orgId));
  }, [client, orgId]);
  useEffect(() => {
    void list.run(load);
    // Once per organization (`load` changes with it).
  }, [load]);

  return (
    <section className="card" aria-labelledby="invitations-title">
      <h2 id="invitations-title">Invite someone</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const form = event.currentTarget;
          const { email, role } = formValues(form);
          setSentTo(null);
          void invite.run(async () => {
            await client.orgs.invite(orgId, { email: email!, role: role as OrgRole });
            form.reset();
            setSentTo(email!);
            await load();
          });
        }}
      >
        {invite.error && <Alert>{invite.error}</Alert>}
        {sentTo && <Alert kind="success">An invitation is on its way to {sentTo}.</Alert>}
        <Field label="Email" name="email" type="email" autoComplete="off" required />
        <SelectField label="Role" name="role" options={rolesUpTo(myRole)} defaultValue="member" />
        <SubmitButton pending={invite.pending}>Send invitation</SubmitButton>
      </form>

      <h3 className="section-gap">Pending invitations</h3>
      {list.error && <Alert>{list.error}</Alert>}
      {invitations === null ? (
        <p className="muted">Loading…</p>
      ) : invitations.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul className="rows" data-testid="invitations">
          {invitations.map((invitation) => (
            <li key={invitation.id}>
              <div>
                <strong>{invitation.email}</strong>
                <div className="muted">
                  {invitation.role} · expires {when(invitation.expires_at)}
                </div>
              </div>
              {atMost(invitation.role, myRole) && (
                <button
                  type="button"
                  className="button-secondary"
                  disabled={list.pending}
                  onClick={() =>
                    void list.run(async () => {
                      await client.orgs.revokeInvitation(orgId, invitation.id);
                      await load();
                    })
                  }
                >
                  Revoke
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Leave({ orgId, name }: { orgId: string; name: string }) {
  const { client, reloadOrganizations } = useLiftoff();
  const router = useRouter();
  const { pending, error, run } = useAction();
  return (
    <section className="card danger" aria-labelledby="leave-title">
      <h2 id="leave-title">Leave {name}</h2>
      <p>You lose access to it at once; only an invitation brings you back.</p>
      {error && <Alert>{error}</Alert>}
      <button
        type="button"
        className="button-danger"
        disabled={pending}
        onClick={() => {
          if (!window.confirm(`Leave ${name}?`)) return;
          void run(async () => {
            // The client also drops the organization's claims (it was the active one).
            await client.orgs.leave(orgId);
            await reloadOrganizations();
            router.push('/organizations');
          });
        }}
      >
        Leave this organization
      </button>
    </section>
  );
}
