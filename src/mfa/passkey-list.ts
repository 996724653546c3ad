// The signed-in user's passkeys: list, rename, remove (never the last way to sign in). Registration
// is in passkeys.ts, with the WebAuthn library.
import type { AccessTokenClaims } from '../auth/access-tokens';
import { auditStatement } from '../db/audit-log';
import { ALWAYS, runBatch } from '../db/client';
import { deletePasskeyStatement, listPasskeys, renamePasskey, type PasskeyRow } from '../db/passkeys';
import { findUserById } from '../db/users';
import type { Deps } from '../deps';
import { AppError, notFound } from '../errors';
import { secondFactorNotice } from './notices';

export function toPasskeyView(row: PasskeyRow) {
  return {
    id: row.id,
    name: row.name,
    device_type: row.device_type as 'singleDevice' | 'multiDevice',
    backed_up: row.backed_up === 1,
    created_at: new Date(row.created_at).toISOString(),
    last_used_at: row.last_used_at === null ? null : new Date(row.last_used_at).toISOString(),
  };
}

export async function passkeysOf(deps: Deps, auth: AccessTokenClaims) {
  return { passkeys: (await listPasskeys(deps.db, auth.userId)).map(toPasskeyView) };
}

const noSuchPasskey = () => notFound('No such passkey.');

export async function renameOwnPasskey(deps: Deps, auth: AccessTokenClaims, id: string, name: string) {
  const renamed = await renamePasskey(deps.db, { id, userId: auth.userId, name });
  if (!renamed) throw noSuchPasskey();
  return toPasskeyView(renamed);
}

/** Another user's (or an unknown) passkey is 404; the last way to sign in is 409 LAST_SIGN_IN_METHOD. */
export async function removeOwnPasskey(deps: Deps, auth: AccessTokenClaims, id: string): Promise<string[]> {
  const [user, passkeys] = await Promise.all([findUserById(deps.db, auth.userId), listPasskeys(deps.db, auth.userId)]);
  if (!user || !passkeys.some((passkey) => passkey.id === id)) throw noSuchPasskey();
  const removed = await deletePasskeyStatement(deps.db, { id, userId: user.id }).all();
  if (removed.results.length !== 1) {
    // Still there: it is the last way to sign in (perhaps since a parallel removal). Gone: another request removed it.
    if ((await listPasskeys(deps.db, user.id)).some((passkey) => passkey.id === id)) {
      throw new AppError(
        'LAST_SIGN_IN_METHOD',
        'This is your only way to sign in; set a password or add another passkey first.',
      );
    }
    throw noSuchPasskey();
  }
  // Recorded by the one request whose delete removed it (a second round trip: a parallel loser writes nothing).
  const notice = secondFactorNotice(deps, user, 'passkey_removed', ALWAYS);
  await runBatch(deps.db, [
    auditStatement(deps, { action: 'passkey.removed', userId: user.id, metadata: { passkey_id: id } }),
    notice.statement,
  ]);
  return [notice.id];
}
