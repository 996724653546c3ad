// The second-factors feature's one entry point for code outside it: its routes, and what password
// and OAuth sign-in need when an account has a second factor. Loaded on first use, in one lazily
// loaded part (README, Start-up), like src/orgs/feature.ts.
import { twoFactorRouter } from '../routes/two-factor';

export const secondFactorsRouter = twoFactorRouter;
export { awaitSecondFactor } from './sign-in';
