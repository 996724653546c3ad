// Proving an account's address (the verification link, a reset link, a provider that vouches for it)
// removes the credentials that were set without such proof, with the sessions they started.
import { ALWAYS, type Condition, type Statement } from '../db/client';
import { findLiveSessionWithUser } from '../db/sessions';
import { removeUnvouchedCredentialsStatements, type KeptCredential } from '../db/unvouched-credentials';
import type { Deps } from '../deps';
import { newId } from '../lib/crypto';
import { tokenError, type AccessTokenClaims } from './access-tokens';
import { PROVIDER_NAMES, type ProviderName } from './oauth/identity';

/**
 * Batchable: a password chosen at sign-up and links whose provider did not vouch for the address go,
 * unless `keep` (the credential whose own session presented the proof) — whoever made them may not
 * be the address's owner (pre-account hijacking). `proof` names the proof in the audit entry.
 */
export function dropUnvouchedCredentials(
  deps: Deps,
  input: { userId: string; proof: string; keep?: KeptCredential; when?: Condition },
): Statement[] {
  return removeUnvouchedCredentialsStatements(deps.db, {
    userId: input.userId,
    keep: input.keep ?? null,
    now: deps.now,
    when: input.when ?? ALWAYS,
    audit: { id: newId(), proof: input.proof, ipAddress: deps.client.ip, userAgent: deps.client.userAgent },
  });
}

/**
 * The credential that started the caller's session, when the caller is signed in to `userId`: that
 * person holds both the credential and the proof, so the credential stays. A token whose session has
 * ended is refused (401 TOKEN_INVALID), as on every route, so the front end signs in again rather
 * than have the proof remove the user's own password.
 */
export async function presentingCredential(
  deps: Deps,
  presenter: AccessTokenClaims | null,
  userId: string,
): Promise<KeptCredential> {
  if (presenter === null) return null;
  const live = await findLiveSessionWithUser(deps.db, presenter.sessionId, deps.now);
  if (!live || live.user.id !== presenter.userId) throw tokenError('TOKEN_INVALID');
  if (presenter.userId !== userId) return null;
  const method = live.session.authMethod;
  if (method === 'password') return 'password';
  const provider = method.startsWith('oauth:') ? method.slice('oauth:'.length) : null;
  return (PROVIDER_NAMES as readonly (string | null)[]).includes(provider) ? (provider as ProviderName) : null;
}
