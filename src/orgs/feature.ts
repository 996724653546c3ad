// The organizations feature's one entry point for code outside it: everything the rest of the app
// loads lazily (the routes, what account deletion, paid features, Stripe events and the cron job
// need) comes through this module, so the build keeps it in one lazily loaded part instead of many
// small ones that would each cost start-up (README, Start-up).
import { orgBillingRouter } from '../routes/org-billing';
import { orgExampleRouter } from '../routes/org-example';
import { orgsRouter } from '../routes/orgs';
import { createRouter } from '../router';

export const organizationsRouter = createRouter()
  .route('/', orgsRouter)
  .route('/', orgBillingRouter)
  .route('/', orgExampleRouter);
export { accountDeletionStatements, lastOwner, prepareAccountDeletion, refusedAsLastOwner } from './account-deletion';
export { requireOrganizationSubscription, requirePaidOrganization } from './billing';
export { planOrganizationEvent } from './billing-events';
export { retryDueSeatSyncs } from './seats';
