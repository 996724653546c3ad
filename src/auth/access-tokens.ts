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
}

const TOKEN_TYPE = 'at+jwt';

/** The audience is this API itself; other services verifying its tokens expect `aud` = API_URL. */
export const accessTokenAudience = (config: Config) => config.apiUrl;

export async function signAccessToken(config: Config, claims: AccessTokenClaims, now: Date): Promise<string> {
  const { signing } = await getKeyRing(config.jwt);
  const issuedAt = Math.floor(now.getTime() / 1000);
  const org = claims.orgId && claims.orgRole ? { org_id: claims.orgId, org_role: claims.orgRole } : {};
  return new SignJWT({ sid: claims.sessionId, role: claims.role, ...org })
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
    const { sub, sid, role, org_id: orgId, org_role: orgRole } = payload;
    if (typeof sub !== 'string' || typeof sid !== 'string' || (role !== 'user' && role !== 'admin')) {
      throw tokenError('TOKEN_INVALID');
    }
    if (orgId === undefined && orgRole === undefined) return { userId: sub, sessionId: sid, role };
    if (typeof orgId !== 'string' || !(ORG_ROLES as readonly unknown[]).includes(orgRole))
      throw tokenError('TOKEN_INVALID');
    return { userId: sub, sessionId: sid, role, orgId, orgRole: orgRole as OrgRole };
  } catch (err) {
    if (err instanceof errors.JWTExpired) throw tokenError('TOKEN_EXPIRED');
    throw tokenError('TOKEN_INVALID');
  }
}
