// The database's tables, in drizzle's schema language; `npm run db:generate` turns changes into migrations/.
import { sql } from 'drizzle-orm';
import { ORG_ROLES, type OrgRole } from '../lib/org-roles';
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** Times are stored as integer milliseconds since the epoch and shown as ISO-8601 UTC in JSON. */
const timestamp = (name: string) => integer(name, { mode: 'timestamp_ms' });

export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  /** Trimmed and lower-cased before it is stored, so the unique index is case-insensitive. */
  email: text('email').notNull().unique(),
  name: text('name'),
  /** Null for accounts that only sign in with OAuth. */
  passwordHash: text('password_hash'),
  /**
   * The password was set or confirmed by someone who proved the address (a reset link, or the
   * verification link opened by a session that password started). A password chosen at sign-up
   * is not, until then: if the address's owner proves it some other way, it is removed.
   */
  passwordVouched: integer('password_vouched', { mode: 'boolean' }).notNull().default(false),
  role: text('role', { enum: ['user', 'admin'] })
    .notNull()
    .default('user'),
  emailVerifiedAt: timestamp('email_verified_at'),
  disabledAt: timestamp('disabled_at'),
  createdAt: timestamp('created_at')
    .notNull()
    .default(sql`(cast(unixepoch('subsec') * 1000 as integer))`),
  updatedAt: timestamp('updated_at')
    .notNull()
    .default(sql`(cast(unixepoch('subsec') * 1000 as integer))`),
  /** Created before the user's first checkout, exactly once (Stripe idempotency key + this unique column). */
  stripeCustomerId: text('stripe_customer_id').unique(),
});

export type User = typeof users.$inferSelect;

/**
 * Roles set explicitly by an admin (or an operator), by address: ADMIN_EMAILS never promotes a
 * pinned address, not even a new account made with it after the old one was deleted.
 */
export const rolePins = sqliteTable('role_pins', {
  email: text('email').primaryKey(),
  role: text('role', { enum: ['user', 'admin'] }).notNull(),
  pinnedAt: timestamp('pinned_at').notNull(),
});

/** A signed-in device. `expiresAt` is absolute (created + REFRESH_TOKEN_TTL); rotation never extends it. */
export const sessions = sqliteTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** `password`, or `oauth:<provider>` (account deletion accepts a recent OAuth sign-in instead of a password). */
    authMethod: text('auth_method').notNull(),
    userAgent: text('user_agent'),
    ipAddress: text('ip_address'),
    createdAt: timestamp('created_at').notNull(),
    lastUsedAt: timestamp('last_used_at').notNull(),
    expiresAt: timestamp('expires_at').notNull(),
    revokedAt: timestamp('revoked_at'),
    revokedReason: text('revoked_reason'),
    /**
     * The refresh token lives in its session's row (see auth/refresh-token.ts): one row per session,
     * however often it refreshes. Hashes only: of the secret fixed for the session's life (proves a
     * presented token came from this session), of the current generation's secret, and of the ones
     * replaced in the last 10 seconds (the grace for racing tabs), as a JSON array of [hash, ms]. Null
     * secret hash: a session started before 0006, whose token is still in refresh_tokens until it
     * next rotates.
     */
    refreshGeneration: integer('refresh_generation').notNull().default(0),
    refreshSecretHash: text('refresh_secret_hash'),
    refreshTokenHash: text('refresh_token_hash'),
    recentRefreshTokens: text('recent_refresh_tokens'),
    refreshedAt: timestamp('refreshed_at'),
    /**
     * The organization the session acts for (POST /api/orgs/{id}/activate): its access tokens carry
     * `org_id` and `org_role`, the role read from memberships at each refresh. No foreign key: a
     * deleted organization or a lost membership simply leaves the next token without the claims.
     */
    activeOrganizationId: text('active_organization_id'),
    /**
     * How the session proved who it is (RFC 8176 `amr` values, space-separated: `pwd`, `oauth`,
     * `otp`, `rc`, `hwk`), in the access tokens' `amr`; a step-up adds to it. `authenticatedAt` is
     * when a factor was last proven (the tokens' `auth_time`): the sign-in, or the latest step-up.
     */
    amr: text('amr').notNull().default(''),
    authenticatedAt: timestamp('authenticated_at'),
  },
  (table) => [index('sessions_user_id_idx').on(table.userId)],
);

export type Session = typeof sessions.$inferSelect;

/**
 * Refresh tokens issued before migration 0006 (one row per token ever issued, by SHA-256 hash), kept
 * so those sessions survive the upgrade: such a token is accepted once more, rotated into the
 * session's row, and recognised as reuse afterwards. No row is written any more; the rows go with
 * their sessions, so the table is empty REFRESH_TOKEN_TTL (plus a day) after the upgrade.
 */
export const refreshTokens = sqliteTable(
  'refresh_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at').notNull(),
    rotatedAt: timestamp('rotated_at'),
    /** Hash of the token that replaced this one: tells the request that rotated it from the others. */
    replacedBy: text('replaced_by'),
  },
  (table) => [index('refresh_tokens_session_id_idx').on(table.sessionId)],
);

/** Security events. No foreign keys: the trail outlives the users and sessions it mentions. */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: text('id').primaryKey(),
    userId: text('user_id'),
    /** Who did it, when not the user themself (an admin). */
    actorId: text('actor_id'),
    action: text('action').notNull(),
    ipAddress: text('ip_address'),
    userAgent: text('user_agent'),
    /** JSON object with event details; never secrets. */
    metadata: text('metadata'),
    createdAt: timestamp('created_at').notNull(),
  },
  (table) => [
    index('audit_log_user_id_created_at_idx').on(table.userId, table.createdAt),
    index('audit_log_action_created_at_idx').on(table.action, table.createdAt),
    index('audit_log_created_at_idx').on(table.createdAt),
  ],
);

export type AuditEntry = typeof auditLog.$inferSelect;

/** One row per counted attempt; a sliding window counts the rows of a key newer than its start. */
export const rateLimitHits = sqliteTable(
  'rate_limit_hits',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    key: text('key').notNull(),
    hitAt: integer('hit_at').notNull(),
  },
  (table) => [index('rate_limit_hits_key_hit_at_idx').on(table.key, table.hitAt)],
);

/**
 * Single-use email tokens (verification 24 h, password reset 1 h). A token is `id.secret`; only a
 * SHA-256 of the secret is stored, and it is compared in constant time after a lookup by id.
 */
export const accountTokens = sqliteTable(
  'account_tokens',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: text('purpose', { enum: ['verify_email', 'reset_password'] }).notNull(),
    secretHash: text('secret_hash').notNull(),
    /** The address the token was mailed to: a verification only counts for that address. */
    email: text('email').notNull(),
    createdAt: timestamp('created_at').notNull(),
    expiresAt: timestamp('expires_at').notNull(),
    usedAt: timestamp('used_at'),
    /** A per-request nonce set by the request that used the token, so only that request acts on it. */
    usedBy: text('used_by'),
  },
  (table) => [index('account_tokens_user_id_idx').on(table.userId)],
);

export type AccountToken = typeof accountTokens.$inferSelect;

/**
 * Emails waiting for, or done with, delivery. Rows are written in the same batch as the change
 * they announce; the body of a delivered email is erased (it may hold a one-time link).
 */
export const emailOutbox = sqliteTable(
  'email_outbox',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').references(() => users.id, { onDelete: 'cascade' }),
    toAddress: text('to_address').notNull(),
    template: text('template').notNull(),
    subject: text('subject').notNull(),
    textBody: text('text_body'),
    htmlBody: text('html_body'),
    status: text('status', { enum: ['pending', 'sending', 'sent', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at').notNull(),
    /** While `sending`, the claim expires at this time (a crashed sender's row becomes due again). */
    lockedUntil: timestamp('locked_until'),
    lastError: text('last_error'),
    createdAt: timestamp('created_at').notNull(),
    sentAt: timestamp('sent_at'),
  },
  (table) => [
    index('email_outbox_status_next_attempt_idx').on(table.status, table.nextAttemptAt),
    index('email_outbox_created_at_idx').on(table.createdAt),
  ],
);

export type OutboxEmail = typeof emailOutbox.$inferSelect;

/** A sign-in identity at an OAuth provider, linked to one user; a user has at most one per provider. */
export const oauthAccounts = sqliteTable(
  'oauth_accounts',
  {
    provider: text('provider', { enum: ['google', 'github', 'oidc'] }).notNull(),
    /** The provider's stable subject (`sub`, or GitHub's numeric id), never the email. */
    providerUserId: text('provider_user_id').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    email: text('email'),
    /**
     * The provider vouched that this identity owns the account's address. A link without it is
     * removed when the address's owner proves it (pre-account hijacking).
     */
    emailVerified: integer('email_verified', { mode: 'boolean' }).notNull().default(false),
    createdAt: timestamp('created_at').notNull(),
    lastLoginAt: timestamp('last_login_at').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.provider, table.providerUserId] }),
    uniqueIndex('oauth_accounts_user_provider_idx').on(table.userId, table.provider),
  ],
);

export type OAuthAccount = typeof oauthAccounts.$inferSelect;

/** OAuth `state` values already used at the callback (hashed): makes each state single use. */
export const oauthStateUses = sqliteTable('oauth_state_uses', {
  stateHash: text('state_hash').primaryKey(),
  usedAt: timestamp('used_at').notNull(),
});

/**
 * The user's Stripe subscriptions as the webhooks last described them. `lastEventCreated` (the
 * event's `created`, in seconds) orders updates: an older event never overwrites a newer state.
 */
export const subscriptions = sqliteTable(
  'subscriptions',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    customerId: text('customer_id').notNull(),
    status: text('status').notNull(),
    priceId: text('price_id'),
    currentPeriodEnd: timestamp('current_period_end'),
    cancelAtPeriodEnd: integer('cancel_at_period_end', { mode: 'boolean' }).notNull().default(false),
    lastEventCreated: integer('last_event_created').notNull(),
    updatedAt: timestamp('updated_at').notNull(),
  },
  (table) => [index('subscriptions_user_id_idx').on(table.userId)],
);

export type Subscription = typeof subscriptions.$inferSelect;

/** Every Stripe event applied (or deliberately ignored), by id: a redelivery finds its row and changes nothing. */
export const stripeEvents = sqliteTable(
  'stripe_events',
  {
    id: text('id').primaryKey(),
    type: text('type').notNull(),
    eventCreated: integer('event_created').notNull(),
    /** applied, stale (older than the stored state), unmatched (no such user) or ignored (unhandled type). */
    outcome: text('outcome').notNull(),
    receivedAt: timestamp('received_at').notNull(),
  },
  (table) => [index('stripe_events_received_at_idx').on(table.receivedAt)],
);

/** A team: what members share (and, with seat billing, pay for together). */
export const organizations = sqliteTable(
  'organizations',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    /** Lower-case letters, digits and hyphens; unique, so it can name the organization in URLs. */
    slug: text('slug').notNull().unique(),
    /** Who created it; no foreign key, the organization outlives that account. */
    createdBy: text('created_by'),
    createdAt: timestamp('created_at').notNull(),
    updatedAt: timestamp('updated_at').notNull(),
    /** Its Stripe customer, created by the first checkout (an organization pays apart from its members). */
    stripeCustomerId: text('stripe_customer_id'),
    /**
     * Seat billing (src/orgs/seats.ts). Each membership change records, in its own batch, the member
     * count (`seats_desired`) and a new `seats_version`; pushing a version to Stripe (idempotency key
     * `liftoff-seats-<id>-<version>`) moves `seats_synced_version` up to it. While they differ,
     * `seat_sync_next_at` says when the cron job tries (again), with backoff after failures; the lease
     * lets one pusher at a time talk to Stripe, so an older quantity never lands after a newer one.
     */
    seatsDesired: integer('seats_desired').notNull().default(1),
    seatsVersion: integer('seats_version').notNull().default(0),
    seatsSyncedVersion: integer('seats_synced_version').notNull().default(0),
    seatSyncAttempts: integer('seat_sync_attempts').notNull().default(0),
    seatSyncNextAt: timestamp('seat_sync_next_at'),
    seatSyncLease: text('seat_sync_lease'),
    seatSyncLeaseUntil: timestamp('seat_sync_lease_until'),
  },
  (table) => [index('organizations_seat_sync_next_at_idx').on(table.seatSyncNextAt)],
);

export type Organization = typeof organizations.$inferSelect;

export { ORG_ROLES, type OrgRole };

/** One row per member: the primary key makes a second membership of the same user impossible. */
export const memberships = sqliteTable(
  'memberships',
  {
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ORG_ROLES }).notNull(),
    createdAt: timestamp('created_at').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.organizationId, table.userId] }),
    index('memberships_user_id_idx').on(table.userId),
  ],
);

/**
 * Pending invitations to an organization. A row lives until it is accepted, revoked, replaced by a
 * new invitation to the same address, or expires (the cron job deletes it): single use by deletion.
 * Only a SHA-256 of the secret half of the emailed `id.secret` token is kept.
 */
export const invitations = sqliteTable(
  'invitations',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    /** Lower-cased; only an account with this verified address may accept. */
    email: text('email').notNull(),
    role: text('role', { enum: ORG_ROLES }).notNull(),
    secretHash: text('secret_hash').notNull(),
    /** Who invited; no foreign key, the invitation stays valid if that account goes. */
    invitedBy: text('invited_by'),
    createdAt: timestamp('created_at').notNull(),
    expiresAt: timestamp('expires_at').notNull(),
  },
  (table) => [
    uniqueIndex('invitations_organization_email_idx').on(table.organizationId, table.email),
    index('invitations_expires_at_idx').on(table.expiresAt),
  ],
);

export type Invitation = typeof invitations.$inferSelect;

/**
 * Organizations' Stripe subscriptions as the webhooks last described them (as `subscriptions` is
 * for users), with the subscription item and quantity that seat billing updates.
 */
export const organizationSubscriptions = sqliteTable(
  'organization_subscriptions',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    customerId: text('customer_id').notNull(),
    status: text('status').notNull(),
    priceId: text('price_id'),
    /** The subscription item whose quantity is the seat count. */
    itemId: text('item_id'),
    quantity: integer('quantity'),
    currentPeriodEnd: timestamp('current_period_end'),
    cancelAtPeriodEnd: integer('cancel_at_period_end', { mode: 'boolean' }).notNull().default(false),
    lastEventCreated: integer('last_event_created').notNull(),
    updatedAt: timestamp('updated_at').notNull(),
  },
  (table) => [index('organization_subscriptions_organization_id_idx').on(table.organizationId)],
);

/**
 * An authenticator app (TOTP, RFC 6238) per user. The secret is sealed with MFA_ENCRYPTION_KEYS
 * (src/mfa/secret-box.ts). Unconfirmed until the user proves a code from it; `lastUsedStep` is the
 * time step of the last code accepted, so no code is accepted twice.
 */
export const totpFactors = sqliteTable('totp_factors', {
  userId: text('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  secretSealed: text('secret_sealed').notNull(),
  confirmedAt: timestamp('confirmed_at'),
  lastUsedStep: integer('last_used_step').notNull().default(0),
  createdAt: timestamp('created_at').notNull(),
});

/** Single-use recovery codes, by SHA-256; a new set replaces the old one. */
export const recoveryCodes = sqliteTable(
  'recovery_codes',
  {
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    usedAt: timestamp('used_at'),
    createdAt: timestamp('created_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.userId, table.codeHash] })],
);

/**
 * A sign-in waiting for its second factor: the `mfa_token` is `<id>.<secret>`, stored as the
 * secret's SHA-256; single use, 5 minutes. It remembers the first factor (its `amr`, the session's
 * auth method, and for a password the hash it matched, so a reset in between voids it).
 */
export const mfaChallenges = sqliteTable(
  'mfa_challenges',
  {
    id: text('id').primaryKey(),
    secretHash: text('secret_hash').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    authMethod: text('auth_method').notNull(),
    amr: text('amr').notNull(),
    passwordHash: text('password_hash'),
    /** For an OAuth sign-in: the provider's subject, so the second step holds only while that link stands. */
    providerSubject: text('provider_subject'),
    /** Where an OAuth sign-in goes once complete (its redirect_to). */
    redirectTo: text('redirect_to'),
    createdAt: timestamp('created_at').notNull(),
    expiresAt: timestamp('expires_at').notNull(),
  },
  (table) => [index('mfa_challenges_expires_at_idx').on(table.expiresAt)],
);

/**
 * WebAuthn credentials (passkeys): the public key and signature counter the browser's
 * authenticator registered, by credential id (base64url). A passkey signs in without a password
 * (user verification required) and counts as a second factor after one.
 */
export const passkeys = sqliteTable(
  'passkeys',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** The COSE public key, base64url. */
    publicKey: text('public_key').notNull(),
    /** The authenticator's signature counter; synced passkeys report 0 always. */
    counter: integer('counter').notNull().default(0),
    /** JSON array of transports the browser reported (usb, internal, hybrid...), for later prompts. */
    transports: text('transports'),
    /** `singleDevice` or `multiDevice` (synced), and whether it is backed up. */
    deviceType: text('device_type').notNull(),
    backedUp: integer('backed_up', { mode: 'boolean' }).notNull().default(false),
    createdAt: timestamp('created_at').notNull(),
    lastUsedAt: timestamp('last_used_at'),
  },
  (table) => [index('passkeys_user_id_idx').on(table.userId)],
);

/**
 * WebAuthn challenges handed to a browser: single use (deleted by the verification that uses
 * them), 5 minutes. `purpose` says which ceremony may use it; a challenge for a signed-in user or a
 * pending sign-in names the user or the mfa_challenge.
 */
export const webauthnChallenges = sqliteTable(
  'webauthn_challenges',
  {
    challenge: text('challenge').primaryKey(),
    purpose: text('purpose', { enum: ['register', 'sign_in', 'second_factor', 'step_up'] }).notNull(),
    userId: text('user_id').references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at').notNull(),
    expiresAt: timestamp('expires_at').notNull(),
  },
  (table) => [index('webauthn_challenges_expires_at_idx').on(table.expiresAt)],
);

/**
 * API keys: owned by a user or by an organization (exactly one), stored as the SHA-256 of the key
 * (random 256-bit keys need no slow hash) with what lists show of it (`start`, `last4`). Scopes are
 * space-separated names from src/api-keys/scopes.ts. Revoked and expired keys stay listed until the
 * cron job deletes them 30 days later.
 */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    keyHash: text('key_hash').notNull(),
    start: text('start').notNull(),
    last4: text('last4').notNull(),
    userId: text('user_id').references(() => users.id, { onDelete: 'cascade' }),
    organizationId: text('organization_id').references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    scopes: text('scopes').notNull(),
    rateLimitPerMinute: integer('rate_limit_per_minute').notNull(),
    expiresAt: timestamp('expires_at'),
    createdAt: timestamp('created_at').notNull(),
    createdBy: text('created_by').references(() => users.id, { onDelete: 'set null' }),
    lastUsedAt: timestamp('last_used_at'),
    revokedAt: timestamp('revoked_at'),
    revokedBy: text('revoked_by').references(() => users.id, { onDelete: 'set null' }),
  },
  (table) => [
    uniqueIndex('api_keys_key_hash_idx').on(table.keyHash),
    index('api_keys_user_id_idx').on(table.userId),
    index('api_keys_organization_id_idx').on(table.organizationId),
    check('api_keys_one_owner', sql`(${table.userId} IS NULL) <> (${table.organizationId} IS NULL)`),
  ],
);

/**
 * Each key's rate-limit window: the minute (its start, ms) and the requests counted in it. One row
 * per key, rewritten as minutes pass, so the counts take no more room however busy a key is.
 */
export const apiKeyRateWindows = sqliteTable('api_key_rate_windows', {
  keyId: text('key_id')
    .primaryKey()
    .references(() => apiKeys.id, { onDelete: 'cascade' }),
  windowStart: integer('window_start').notNull(),
  hits: integer('hits').notNull(),
});
