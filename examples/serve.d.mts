// Types for serve.mjs, which Node runs directly.
import type { Server } from 'node:http';
export function serveExample(port?: number, host?: string): Promise<Server>;
