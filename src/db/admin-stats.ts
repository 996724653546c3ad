// The figures GET /api/admin/stats answers. Types only, with no imports, so the /admin page's
// browser script reads the same shape the server writes.
export interface Stats {
  users: number;
  verified: number;
  disabled: number;
  admins: number;
  signups_7d: number;
  signups_30d: number;
  active_subscriptions_by_price: { price_id: string | null; count: number }[];
  failed_payments_30d: number;
  past_due_subscriptions: number;
}
