// Passkeys (WebAuthn), verified by @simplewebauthn/server: registering one for a signed-in user,
// and checking an assertion for a passwordless sign-in, a sign-in's second step or a step-up.
// Loaded only when a passkey route runs (the library is the feature's largest part).
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { AccessTokenClaims } from '../auth/access-tokens';
import { accountWindow, addressWindow, countAttempt, RATE_RULES } from '../auth/rate-limits';
import { auditStatement } from '../db/audit-log';
import { isUniqueViolation, runBatch } from '../db/client';
import {
  findPasskey,
  insertPasskeyStatement,
  insertWebAuthnChallengeStatement,
  listPasskeys,
  passkeyCounterCondition,
  passkeyOwnedCondition,
  takeWebAuthnChallenge,
  usePasskeyStatement,
  MAX_CREDENTIAL_ID_LENGTH,
  MAX_PASSKEYS_PER_USER,
  type ChallengePurpose,
  type PasskeyRow,
} from '../db/passkeys';
import type { User } from '../db/schema';
import type { Deps } from '../deps';
import { findUserById } from '../db/users';
import { fromBase64Url, toBase64Url } from '../lib/crypto';
import { AppError, notFound } from '../errors';
import { RECENT_AUTH_SECONDS, requireVerifiedEmail } from './enrolment';
import { secondFactorNotice } from './notices';
import { toPasskeyView } from './passkey-list';
import type { ProvenFactor } from './proof';

/** How long a browser has to answer a ceremony. */
const CHALLENGE_TTL_MS = 5 * 60_000;

export const passkeyInvalid = (message = 'The passkey could not be verified; try again.') =>
  new AppError('SECOND_FACTOR_INVALID', message);

/** Every challenge stored counts per client address, and per user when there is one: no one fills the table. */
async function countChallenge(deps: Deps, userId: string | null) {
  const rule = RATE_RULES.passkeyChallengesPerAddress;
  const windows = [addressWindow(rule, deps.client.ip)];
  if (userId !== null) windows.push(accountWindow(RATE_RULES.passkeyChallengesPerAccount, userId));
  const attempt = countAttempt(deps.db, windows, deps.now);
  attempt.settle(await runBatch(deps.db, attempt.statements));
}

async function storeChallenge(deps: Deps, challenge: string, purpose: ChallengePurpose, userId: string | null) {
  await insertWebAuthnChallengeStatement(deps.db, {
    challenge,
    purpose,
    userId,
    now: deps.now,
    expiresAt: new Date(deps.now.getTime() + CHALLENGE_TTL_MS),
  }).run();
}

/** The challenge the browser signed, from the response's clientDataJSON (the library checks it again). */
function challengeOf(clientDataJSON: string): string | null {
  try {
    const json = JSON.parse(new TextDecoder().decode(fromBase64Url(clientDataJSON))) as {
      challenge?: unknown;
      crossOrigin?: unknown;
    };
    // Not inside another site's frame (the library does not check this).
    if (json.crossOrigin === true) return null;
    return typeof json.challenge === 'string' && json.challenge.length <= 128 ? json.challenge : null;
  } catch {
    return null;
  }
}

const transportsOf = (row: PasskeyRow) =>
  row.transports === null ? undefined : (JSON.parse(row.transports) as AuthenticatorTransportFuture[]);

async function signedInUser(deps: Deps, auth: AccessTokenClaims): Promise<User> {
  const user = await findUserById(deps.db, auth.userId);
  if (!user) throw notFound('No such user.');
  return user;
}

/** Registration needs a factor proven in the last 10 minutes: a stolen access token alone cannot add a passkey. */
function requireRecentAuth(deps: Deps, auth: AccessTokenClaims) {
  if (Math.floor(deps.now.getTime() / 1000) - auth.authTime > RECENT_AUTH_SECONDS) {
    throw new AppError('STEP_UP_REQUIRED', 'Confirm it is you (POST /api/auth/step-up), then add the passkey.');
  }
}

/** POST /api/me/passkeys/options: creation options for the browser (a discoverable credential, user verification required). */
export async function registrationOptions(deps: Deps, auth: AccessTokenClaims) {
  requireRecentAuth(deps, auth);
  const user = await signedInUser(deps, auth);
  requireVerifiedEmail(user);
  await countChallenge(deps, user.id);
  const existing = await listPasskeys(deps.db, user.id);
  if (existing.length >= MAX_PASSKEYS_PER_USER) {
    throw new AppError('VALIDATION_ERROR', `An account keeps at most ${MAX_PASSKEYS_PER_USER} passkeys.`);
  }
  const options = await generateRegistrationOptions({
    rpName: deps.config.appName,
    rpID: deps.config.webauthn.rpId,
    userName: user.email,
    userID: new Uint8Array(new TextEncoder().encode(user.id)),
    attestationType: 'none',
    excludeCredentials: existing.map((row) => ({ id: row.id, transports: transportsOf(row) })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    timeout: CHALLENGE_TTL_MS,
  });
  await storeChallenge(deps, options.challenge, 'register', user.id);
  return options;
}

/** POST /api/me/passkeys: the browser's answer, verified, stored; the user is emailed. */
export async function registerPasskey(
  deps: Deps,
  auth: AccessTokenClaims,
  input: { response: RegistrationResponseJSON; name?: string | undefined },
) {
  requireRecentAuth(deps, auth);
  const user = await signedInUser(deps, auth);
  requireVerifiedEmail(user);
  const challenge = challengeOf(input.response.response.clientDataJSON);
  if (!challenge) throw passkeyInvalid();
  if (!(await takeWebAuthnChallenge(deps.db, { challenge, purpose: 'register', userId: user.id, now: deps.now }))) {
    throw passkeyInvalid('This passkey request expired or was already used; start again.');
  }
  let verification;
  try {
    verification = await verifyRegistrationResponse({
      response: input.response,
      expectedChallenge: challenge,
      expectedOrigin: deps.config.webauthn.origins,
      expectedRPID: deps.config.webauthn.rpId,
      requireUserVerification: true,
    });
  } catch (err) {
    deps.log.warn('passkey registration refused', { user_id: user.id, reason: String(err) });
    throw passkeyInvalid();
  }
  const info = verification.registrationInfo;
  if (!verification.verified || !info) throw passkeyInvalid();
  // WebAuthn allows ids up to 1023 bytes (1364 characters): the routes take every one of those.
  if (info.credential.id.length > MAX_CREDENTIAL_ID_LENGTH) throw passkeyInvalid();
  const row = {
    id: info.credential.id,
    user_id: user.id,
    name: input.name ?? defaultName(info.credentialDeviceType),
    public_key: toBase64Url(info.credential.publicKey),
    counter: info.credential.counter,
    transports: info.credential.transports ? JSON.stringify(info.credential.transports) : null,
    device_type: info.credentialDeviceType,
    backed_up: info.credentialBackedUp,
    created_at: deps.now.getTime(),
  };
  const stored = passkeyOwnedCondition(row.id, user.id);
  const notice = secondFactorNotice(deps, user, 'passkey_added', stored);
  let results;
  try {
    results = await runBatch(deps.db, [
      insertPasskeyStatement(deps.db, row),
      auditStatement(deps, { action: 'passkey.added', userId: user.id, metadata: { passkey_id: row.id } }, stored),
      notice.statement,
    ]);
  } catch (err) {
    // The same credential registered twice (excludeCredentials asks the browser not to).
    if (isUniqueViolation(err, 'passkeys.id')) {
      throw new AppError('VALIDATION_ERROR', 'This passkey is already registered.');
    }
    throw err;
  }
  if (results[0]?.meta.changes !== 1) {
    throw new AppError('VALIDATION_ERROR', `An account keeps at most ${MAX_PASSKEYS_PER_USER} passkeys.`);
  }
  return {
    passkey: toPasskeyView({ ...row, backed_up: row.backed_up ? 1 : 0, last_used_at: null }),
    outboxIds: [notice.id],
  };
}

const defaultName = (deviceType: string) => (deviceType === 'multiDevice' ? 'Synced passkey' : 'Security key');

/**
 * Request options for the browser: for a passwordless sign-in (any discoverable passkey of this
 * site; user verification required), or for a known user's second step or step-up (their passkeys).
 */
export async function authenticationOptions(
  deps: Deps,
  purpose: Exclude<ChallengePurpose, 'register'>,
  userId: string | null,
) {
  await countChallenge(deps, userId);
  const allow = userId === null ? [] : await listPasskeys(deps.db, userId);
  if (userId !== null && allow.length === 0) throw passkeyInvalid('This account has no passkey.');
  const options = await generateAuthenticationOptions({
    rpID: deps.config.webauthn.rpId,
    allowCredentials: allow.map((row) => ({ id: row.id, transports: transportsOf(row) })),
    userVerification: purpose === 'sign_in' ? 'required' : 'preferred',
    timeout: CHALLENGE_TTL_MS,
  });
  await storeChallenge(deps, options.challenge, purpose, userId);
  return options;
}

/**
 * Checks an assertion: its challenge (used up here), its passkey (the user's, when `userId` is
 * given), the signature, origin, relying party and counter (a counter that did not grow, on a
 * passkey that counts, is a cloned authenticator: refused). The counter write is conditional on the
 * counter read, for the caller's batch.
 */
export async function provePasskey(
  deps: Deps,
  input: {
    response: AuthenticationResponseJSON;
    purpose: Exclude<ChallengePurpose, 'register'>;
    userId: string | null;
  },
): Promise<ProvenFactor & { passkey: PasskeyRow }> {
  const challenge = challengeOf(input.response.response.clientDataJSON);
  if (!challenge) throw passkeyInvalid();
  const passkey = await findPasskey(deps.db, input.response.id);
  const taken = await takeWebAuthnChallenge(deps.db, {
    challenge,
    purpose: input.purpose,
    userId: input.userId,
    now: deps.now,
  });
  if (!taken) throw passkeyInvalid('This passkey request expired or was already used; start again.');
  if (!passkey || (input.userId !== null && passkey.user_id !== input.userId)) throw passkeyInvalid();
  const verify = (counter: number) =>
    verifyAuthenticationResponse({
      response: input.response,
      expectedChallenge: challenge,
      expectedOrigin: deps.config.webauthn.origins,
      expectedRPID: deps.config.webauthn.rpId,
      credential: {
        id: passkey.id,
        publicKey: fromBase64Url(passkey.public_key),
        counter,
        transports: transportsOf(passkey),
      },
      requireUserVerification: input.purpose === 'sign_in',
    });
  let verification;
  try {
    verification = await verify(passkey.counter);
  } catch (err) {
    deps.log.warn('passkey assertion refused', { passkey_id: passkey.id, reason: String(err) });
    // The library checks the counter before the signature: a clone is recorded only once the same
    // assertion proves signed by the passkey's key, so no one can write this alert with garbage.
    if (
      String(err).includes('counter') &&
      (await verify(0).then(
        (v) => v.verified,
        () => false,
      ))
    ) {
      await auditStatement(deps, {
        action: 'passkey.counter_mismatch',
        userId: passkey.user_id,
        metadata: { passkey_id: passkey.id },
      }).run();
    }
    throw passkeyInvalid();
  }
  if (!verification.verified) throw passkeyInvalid();
  const newCounter = verification.authenticationInfo.newCounter;
  return {
    method: 'hwk',
    passkey,
    unused: passkeyCounterCondition(passkey.id, passkey.counter),
    useUp: (when) => [
      usePasskeyStatement(deps.db, { id: passkey.id, counter: passkey.counter, newCounter, now: deps.now, when }),
    ],
  };
}
