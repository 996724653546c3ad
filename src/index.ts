// Worker entry: HTTP requests go to the app, cron triggers to the scheduled jobs; nothing else lives here.
import { app } from './app';
import { runScheduledJobs } from './scheduled';

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(runScheduledJobs(env));
  },
} satisfies ExportedHandler<Env>;
