// Types of docs-assets.mjs (plain JavaScript, so that scripts/build.mjs runs it with node alone).
export declare const DOCS_ASSETS_DIR: string;
export declare const DOCS_ASSETS_PATH: string;
export declare function buildDocsAssets(dir?: string): Promise<{ dir: string; files: string[] }>;
