// Access tokens: short-lived JWTs, typ at+jwt, signed by the first key, verified strictly.
import { errors, jwtVerify, SignJWT, type JWTHeaderParameters } from 'jose';
import type { Config } from '../config';
import { ORG_ROLES, type OrgRole } from '../lib/org-roles';
import { AppError } from '../errors';
import { randomToken } from '../lib/crypto';
import { getKeyRing } from './signing-keys';

export type Role = 'user' | 'admin';

export interface AccessTokenClaims {
  userId: string;
  sessionId: string;
  role: Role;
  /** The session's active organization (`org_id`) and the role in it (`org_role`), when it has one. */
  orgId?: string;
  orgRole?: OrgRole;
  /** How the session proved who it is (`amr`, RFC 8176 values; see authenticationMethods). */
  amr: AuthenticationMethod[];
  /** When a factor was last proven (`auth_time`, seconds since the epoch): the sign-in or the latest step-up. */
  authTime: number;
}

/**
 * The `amr` values: a password, an OAuth provider, an authenticator app's code (`otp`), a recovery
 * code (`rc`, not in RFC 8176's registry) and a passkey (`hwk`, proof of a hardware-bound key).
 */
export const AUTHENTICATION_METHODS = ['pwd', 'oauth', 'otp', 'rc', 'hwk'] as const;
export type AuthenticationMethod = (typeof AUTHENTICATION_METHODS)[number];
const SECOND_FACTORS: readonly AuthenticationMethod[] = ['otp', 'rc', 'hwk'];

/** `aal2` once a second factor (or a passkey, which needs user verification) was proven; else `aal1`. */
export const assuranceLevel = (amr: readonly AuthenticationMethod[]) =>
  amr.some((method) => SECOND_FACTORS.includes(method)) ? 'aal2' : 'aal1';

/** A session's stored `amr` (space-separated) as a list; unknown values are dropped. */
export const authenticationMethods = (stored: string): AuthenticationMethod[] =>
  stored
    .split(' ')
    .filter((method): method is AuthenticationMethod => (AUTHENTICATION_METHODS as readonly string[]).includes(method));

const TOKEN_TYPE = 'at+jwt';

/** The audience is this API itself; other services verifying its tokens expect `aud` = API_URL. */
export const accessTokenAudience = (config: Config) => config.apiUrl;

export async function signAccessToken(config: Config, claims: AccessTokenClaims, now: Date): Promise<string> {
  const { signing } = await getKeyRing(config.jwt);
  const issuedAt = Math.floor(now.getTime() / 1000);
  const org = claims.orgId && claims.orgRole ? { org_id: claims.orgId, org_role: claims.orgRole } : {};
  return new SignJWT({
    sid: claims.sessionId,
    role: claims.role,
    amr: claims.amr,
    aal: assuranceLevel(claims.amr),
    auth_time: claims.authTime,
    ...org,
  })
    .setProtectedHeader({ alg: signing.alg, typ: TOKEN_TYPE, kid: signing.kid })
    .setIssuer(config.apiUrl)
    .setAudience(accessTokenAudience(config))
    .setSubject(claims.userId)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + config.accessTokenTtl)
    .setJti(randomToken(16))
    .sign(signing.key);
}

export function tokenError(code: 'TOKEN_EXPIRED' | 'TOKEN_INVALID' | 'AUTH_HEADER_MISSING' | 'AUTH_HEADER_MALFORMED') {
  // RFC 6750 §3: a bare challenge when no token came, an error code when a bad one did.
  const challenge =
    code === 'TOKEN_EXPIRED' || code === 'TOKEN_INVALID'
      ? `Bearer error="invalid_token", error_description="${code === 'TOKEN_EXPIRED' ? 'expired' : 'invalid'}"`
      : 'Bearer';
  return new AppError(code, undefined, { headers: { 'WWW-Authenticate': challenge } });
}

/**
 * Verifies signature, algorithm (pinned to the configured keys), issuer, audience, type and expiry.
 * Keys come only from our key ring by `kid`: `jku`, `jwk` and `x5u` headers are never followed.
 */
export async function verifyAccessToken(config: Config, token: string): Promise<AccessTokenClaims> {
  const ring = await getKeyRing(config.jwt);
  try {
    const { payload } = await jwtVerify(
      token,
      (header: JWTHeaderParameters) => {
        const entry = header.kid === undefined ? undefined : ring.verifying.get(header.kid);
        if (!entry || entry.alg !== header.alg) throw new errors.JWSSignatureVerificationFailed();
        return entry.key;
      },
      {
        algorithms: ring.algorithms,
        issuer: config.apiUrl,
        audience: accessTokenAudience(config),
        typ: TOKEN_TYPE,
        requiredClaims: ['exp', 'iat', 'sub', 'jti'],
      },
    );
    const { sub, sid, role, org_id: orgId, org_role: orgRole, iat } = payload;
    // Tokens signed before second factors existed (for at most ACCESS_TOKEN_TTL after the upgrade)
    // have no `amr` or `auth_time`: read as "no factor named", proven when issued.
    const { amr = [], auth_time: authTime = iat } = payload;
    if (typeof sub !== 'string' || typeof sid !== 'string' || (role !== 'user' && role !== 'admin')) {
      throw tokenError('TOKEN_INVALID');
    }
    if (!Array.isArray(amr) || typeof authTime !== 'number' || !Number.isInteger(authTime)) {
      throw tokenError('TOKEN_INVALID');
    }
    const methods = amr.every((method) => typeof method === 'string') ? authenticationMethods(amr.join(' ')) : [];
    if (methods.length !== amr.length) throw tokenError('TOKEN_INVALID');
    const claims: AccessTokenClaims = { userId: sub, sessionId: sid, role: role as Role, amr: methods, authTime };
    if (orgId === undefined && orgRole === undefined) return claims;
    if (typeof orgId !== 'string' || !(ORG_ROLES as readonly unknown[]).includes(orgRole))
      throw tokenError('TOKEN_INVALID');
    return { ...claims, orgId, orgRole: orgRole as OrgRole };
  } catch (err) {
    if (err instanceof errors.JWTExpired) throw tokenError('TOKEN_EXPIRED');
    throw tokenError('TOKEN_INVALID');
  }
}
