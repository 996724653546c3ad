// Work a request starts but its response need not wait for (emails, Stripe pushes, an API key's
// last use): run once the response has left and kept alive by waitUntil.

/**
 * Runs `work` after the response: a zero timer fires once the handler has returned it (what follows
 * the caller is only microtasks), and waitUntil keeps the Worker alive until `work` settles.
 */
export function afterResponse(
  request: { executionCtx: Pick<ExecutionContext, 'waitUntil'> },
  work: () => Promise<unknown>,
): void {
  request.executionCtx.waitUntil(new Promise((resolve) => setTimeout(resolve, 0)).then(work));
}
