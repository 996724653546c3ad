// What a provider tells us about the person signing in.
export type ProviderName = 'google' | 'github' | 'oidc';

export const PROVIDER_NAMES: readonly ProviderName[] = ['google', 'github', 'oidc'];

export const isProviderName = (name: string): name is ProviderName =>
  (PROVIDER_NAMES as readonly string[]).includes(name);

export interface ProviderIdentity {
  /** Stable at the provider: `sub`, or GitHub's numeric user id. */
  providerUserId: string;
  email: string | null;
  /** Only a provider's explicit "verified" counts; linking to an existing account needs it. */
  emailVerified: boolean;
  name: string | null;
}
