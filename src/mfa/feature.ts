// The second-factors feature's one entry point for code outside it: its routes, and what password
// and OAuth sign-in need when an account has a second factor. Loaded on first use, in one lazily
// loaded part (README, Start-up), like src/orgs/feature.ts.
import { passkeysRouter } from '../routes/passkeys';
import { twoFactorRouter } from '../routes/two-factor';
import { createRouter } from '../router';

export const secondFactorsRouter = createRouter().route('/', twoFactorRouter).route('/', passkeysRouter);
export { awaitSecondFactor } from './sign-in';
export { secondFactorNotice } from './notices';
export { deleteSecondFactorsStatements } from '../db/second-factors';
