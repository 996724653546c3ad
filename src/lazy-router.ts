// Feature routers few requests need, loaded by the first request to their paths: their schemas,
// handlers and queries stay out of the modules every start-up evaluates (README, Start-up). The app
// mounts a catch-all for the feature's paths; the first request imports the feature and builds a
// small app around it, to which this and later requests are handed with the request's variables
// (settings, databases, log line fields), so the app's middleware ran before and runs after as for
// any route. app.ts adds the feature's routes to the OpenAPI document when that is built.
import type { Context } from 'hono';
import { errorResponse, notFound } from './errors';
import { createRouter, type AppEnv, type AppRouter } from './router';

type Variables = AppEnv['Variables'];
type RouteConfig = Parameters<AppRouter['openAPIRegistry']['registerPath']>[0];

/** What the lazily built app receives as its bindings: the outer request's context. */
interface Handover {
  outer: Context<AppEnv>;
}

export function lazyFeature(prefix: string, load: () => Promise<AppRouter>) {
  let loading: Promise<{ feature: AppRouter; app: AppRouter }> | undefined;
  const loaded = () =>
    (loading ??= load().then((feature) => {
      const app = createRouter();
      app.use(async (c, next) => {
        const { outer } = c.env as unknown as Handover;
        c.env = outer.env;
        for (const [key, value] of Object.entries(outer.var)) c.set(key as keyof Variables, value as never);
        await next();
        // Back out: the auth claims (for the bookmark header), the error code (for the log line).
        for (const [key, value] of Object.entries(c.var)) outer.set(key as keyof Variables, value as never);
      });
      app.route(prefix, feature);
      app.notFound((c) => errorResponse(c, notFound()));
      app.onError((err, c) => errorResponse(c, err));
      return { feature, app };
    }));

  return {
    async handler(c: Context<AppEnv>): Promise<Response> {
      const { app } = await loaded();
      const raw = c.req.raw;
      // The app's body middleware has read (and cached) the body: hand the bytes over again.
      const body = raw.body ? await c.req.arrayBuffer() : undefined;
      const request = new Request(raw.url, { method: raw.method, headers: raw.headers, body });
      let executionCtx: ExecutionContext | undefined;
      try {
        executionCtx = c.executionCtx;
      } catch {
        executionCtx = undefined; // app.request() in tests has none
      }
      return app.fetch(request, { outer: c } satisfies Handover as unknown as Env, executionCtx);
    },

    /** The feature's route definitions, their paths under `prefix`, for the OpenAPI document. */
    async routeDefinitions(): Promise<RouteConfig[]> {
      const { feature } = await loaded();
      return feature.openAPIRegistry.definitions
        .filter((definition) => definition.type === 'route')
        .map((definition) => ({ ...definition.route, path: `${prefix}${definition.route.path}` }));
    },
  };
}
