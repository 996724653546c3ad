// Runs in Node before the workerd test pool: starts the local fakes and tells the tests where they are.
import type { TestProject } from 'vitest/node';
import { startResendFake } from './fakes/resend-fake';

declare module 'vitest' {
  export interface ProvidedContext {
    resendFakeUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const resend = await startResendFake();
  project.provide('resendFakeUrl', resend.url);
  return async () => {
    await new Promise((resolve) => resend.server.close(resolve));
  };
}
