// Types for browser-script.mjs, which Node runs directly (no build step for scripts).
import type { Plugin as EsbuildPlugin } from 'esbuild';
import type { Plugin as VitePlugin } from 'vitest/config';

export function compileBrowserScript(file: string): Promise<{ code: string; inputs: string[] }>;
export const esbuildBrowserScripts: EsbuildPlugin;
export function viteBrowserScripts(): VitePlugin;
