// Signing up or in over HTTP against a running Liftoff, for the e2e tests that need a user and a token.
import { expect } from 'vitest';

/** The password the e2e tests' users sign up with (strong enough for the API's rules). */
export const E2E_PASSWORD = 'mauve-orbit-tundra-42';

export interface SignedIn {
  access_token: string;
  user: { id: string; email: string };
}

/** POST /api/auth/register (`register`) or /api/auth/login; checks the status and answers the body. */
export async function signInOverHttp(
  api: string,
  email: string,
  { register = false, password = E2E_PASSWORD }: { register?: boolean; password?: string } = {},
): Promise<SignedIn> {
  const response = await fetch(`${api}/api/auth/${register ? 'register' : 'login'}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  expect(response.status).toBe(register ? 201 : 200);
  return (await response.json()) as SignedIn;
}
