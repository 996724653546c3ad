import type { BuildOptions, Plugin } from 'esbuild';

export declare const workerBundleOptions: BuildOptions;
export declare const withoutZodTranslations: Plugin;
