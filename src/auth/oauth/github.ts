// GitHub's identity: /user for the id and name, /user/emails for the primary verified address.
import { plainDisplayName } from '../../lib/display-name';
import type { ProviderIdentity } from './identity';

interface GitHubUser {
  id: number;
  login: string;
  name: string | null;
}

interface GitHubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

export class GitHubApiError extends Error {
  override name = 'GitHubApiError';
}

async function getJson<T>(apiUrl: string, path: string, accessToken: string): Promise<T> {
  const response = await fetch(`${apiUrl}${path}`, {
    headers: {
      Authorization: `Bearer ${accessToken}`,
      Accept: 'application/vnd.github+json',
      'X-GitHub-Api-Version': '2022-11-28',
      // GitHub refuses requests without a User-Agent.
      'User-Agent': 'liftoff',
    },
  });
  if (!response.ok) throw new GitHubApiError(`GitHub ${path} answered ${response.status}`);
  return response.json<T>();
}

export async function fetchGitHubIdentity(apiUrl: string, accessToken: string): Promise<ProviderIdentity> {
  const [user, emails] = await Promise.all([
    getJson<GitHubUser>(apiUrl, '/user', accessToken),
    getJson<GitHubEmail[]>(apiUrl, '/user/emails', accessToken),
  ]);
  if (typeof user.id !== 'number' || !Array.isArray(emails)) throw new GitHubApiError('Unexpected GitHub response');
  // Only the primary address, and only if GitHub has verified it: anything else proves nothing.
  const primary = emails.find((entry) => entry.primary && entry.verified);
  return {
    providerUserId: String(user.id),
    email: primary ? primary.email.trim().toLowerCase() : null,
    emailVerified: primary !== undefined,
    name: plainDisplayName(user.name ?? user.login),
  };
}
