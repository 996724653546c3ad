// What deleting an account does to its organizations (loaded by auth/account-deletion.ts on use):
// the last owner of one with other members is refused; those it is the only member of are deleted
// with it, their Stripe customers (so their subscriptions) deleted first; the others pay for one seat less.
import type { Statement } from '../db/client';
import { listSoleMemberOrganizationCustomerIds, recordSeatsWithoutMemberStatement } from '../db/org-billing';
import {
  deleteSoleMemberOrganizationsStatement,
  isLastOwnerWithMembers,
  notLastOwnerWithMembersCondition,
} from '../db/organizations';
import type { Deps } from '../deps';
import { AppError } from '../errors';
import { deleteCustomers } from './billing';

export const lastOwner = () =>
  new AppError(
    'LAST_OWNER',
    'You are the last owner of an organization with other members: make one of them an owner, or delete it, first.',
  );

/** Before anything is cancelled or deleted: refuse the last owner; cancel what the organizations going with the account pay. */
export async function prepareAccountDeletion(deps: Deps, userId: string): Promise<void> {
  if (await isLastOwnerWithMembers(deps.db, userId)) throw lastOwner();
  await deleteCustomers(deps, await listSoleMemberOrganizationCustomerIds(deps.db, userId));
}

/**
 * The condition the deletion's batch runs under (checked again there: a member may have joined
 * meanwhile), and the statements that go before the user row's delete.
 */
export function accountDeletionStatements(deps: Deps, userId: string) {
  const mayGo = notLastOwnerWithMembersCondition(userId);
  const statements: Statement[] = [
    recordSeatsWithoutMemberStatement(deps.db, { userId, now: deps.now, when: mayGo }),
    deleteSoleMemberOrganizationsStatement(deps.db, userId, mayGo),
  ];
  return { mayGo, statements };
}

export const refusedAsLastOwner = (deps: Deps, userId: string) => isLastOwnerWithMembers(deps.db, userId);
