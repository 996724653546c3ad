// Builds the production Worker once for every e2e test file (parallel builds would share dist/).
import { rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { buildBundle } from '../../scripts/lib/local-worker';

declare module 'vitest' {
  export interface ProvidedContext {
    bundleDir: string;
  }
}

export default function setup(project: TestProject) {
  const { outdir } = buildBundle();
  project.provide('bundleDir', outdir);
  return () => rmSync(outdir, { recursive: true, force: true });
}
