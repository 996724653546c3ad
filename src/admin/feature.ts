// The admin area's one lazily loaded entry (README, Start-up): its API under /api/admin and its page
// under /admin, loaded by the first request to either, so start-ups and other requests skip both.
import { adminRouter } from '../routes/admin';
import { adminPageRouter } from '../routes/admin-page';
import { createRouter } from '../router';

export const adminAreaRouter = createRouter().route('/api', adminRouter).route('/', adminPageRouter);
