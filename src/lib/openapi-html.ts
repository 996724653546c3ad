// Renders an OpenAPI 3.1 document as one self-contained HTML page (no scripts, no CDN).
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
}

/** The parts of an OpenAPI 3.1 document the page shows; the generator's own type is wider. */
export interface OpenApiDocument {
  info: { title: string; version: string; description?: string };
  paths?: object;
  components?: { schemas?: object };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:960px;padding:1rem 1.5rem;color:#1a1a1a}
h1{margin-bottom:0}h2{border-bottom:1px solid #ddd;padding-bottom:.25rem;margin-top:2rem}
section{border:1px solid #e3e3e3;border-radius:6px;margin:.75rem 0;padding:.5rem 1rem}
.method{display:inline-block;min-width:4.5rem;font-weight:700;text-transform:uppercase}
code,pre{font:13px/1.4 ui-monospace,monospace}pre{background:#f6f8fa;padding:.5rem;overflow:auto;border-radius:4px}
nav a{margin-right:1rem}details summary{cursor:pointer}`;

function schemaBlock(label: string, schema: unknown): HtmlEscapedString | Promise<HtmlEscapedString> {
  return html`<details><summary>${label}</summary><pre>${JSON.stringify(schema, null, 2)}</pre></details>`;
}

function operationSection(path: string, method: string, op: Operation) {
  const body = op.requestBody?.content?.['application/json']?.schema;
  const responses = Object.entries(op.responses ?? {});
  return html`<section id="${method}-${path}">
    <h3><span class="method">${method}</span> <code>${path}</code></h3>
    ${op.summary ? html`<p>${op.summary}</p>` : ''}
    ${op.description ? html`<p>${op.description}</p>` : ''}
    ${
      op.parameters?.length
        ? html`<p>Parameters: ${op.parameters.map(
            (p) => html`<code>${p.name}</code> (${p.in}${p.required ? ', required' : ''}) `,
          )}</p>`
        : ''
    }
    ${body ? schemaBlock('Request body (application/json)', body) : ''}
    <ul>
      ${responses.map(
        ([status, response]) =>
          html`<li><strong>${status}</strong> ${response.description ?? ''}
            ${
              response.content?.['application/json']?.schema
                ? schemaBlock('body', response.content['application/json'].schema)
                : ''
            }</li>`,
      )}
    </ul>
  </section>`;
}

export function renderOpenApiPage(document: OpenApiDocument, specUrl: string) {
  const byTag = new Map<string, { path: string; method: string; op: Operation }[]>();
  for (const [path, item] of Object.entries(document.paths ?? {}) as [string, Record<string, Operation>][]) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? 'Other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), { path, method, op }]);
    }
  }
  const schemas = Object.entries(document.components?.schemas ?? {});
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${document.info.title} ${document.info.version}</title><style>${raw(STYLE)}</style></head>
<body>
<h1>${document.info.title}</h1>
<p>Version ${document.info.version} · <a href="${specUrl}">OpenAPI 3.1 document</a></p>
${document.info.description ? html`<p>${document.info.description}</p>` : ''}
<nav>${[...byTag.keys()].map((tag) => html`<a href="#tag-${tag}">${tag}</a>`)}</nav>
<main>
${[...byTag.entries()].map(
  ([tag, ops]) =>
    html`<h2 id="tag-${tag}">${tag}</h2>${ops.map(({ path, method, op }) => operationSection(path, method, op))}`,
)}
${schemas.length ? html`<h2 id="schemas">Schemas</h2>${schemas.map(([name, schema]) => schemaBlock(name, schema))}` : ''}
</main>
</body>
</html>`;
}
