import type { BuildOptions } from 'esbuild';

export declare const workerBundleOptions: BuildOptions;
