// Worker entry: hands HTTP requests to the app; nothing else lives here.
import { app } from './app';

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
