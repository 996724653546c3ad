// The API reference's initializer, served as /api/docs/ui/init.js after Swagger UI's bundle (which
// defines `window.SwaggerUIBundle`): Swagger UI on the OpenAPI document the page names, with "Try it
// out" on every operation and the bearer "Authorize" dialog. A script file rather than inline code,
// so the page's policy can be `script-src 'self'`.

interface SwaggerUIBundle {
  (options: Record<string, unknown>): unknown;
  presets: { apis: unknown };
}

declare global {
  interface Window {
    SwaggerUIBundle?: SwaggerUIBundle;
  }
}

const root = document.getElementById('swagger-ui');
const url = root?.dataset.openapiUrl;
const SwaggerUI = window.SwaggerUIBundle;
if (!root || !url || !SwaggerUI) throw new Error('the docs page needs #swagger-ui[data-openapi-url] and Swagger UI');

SwaggerUI({
  domNode: root,
  // Same origin, relative (`/api/openapi.json`): the policy's connect-src 'self' allows nothing else.
  url,
  presets: [SwaggerUI.presets.apis],
  // No top bar: it is a box for loading any other document, which this page has no use for.
  layout: 'BaseLayout',
  deepLinking: true,
  // Not from the address bar either: `?url=` or `?configUrl=` could point the page at another document.
  queryConfigEnabled: false,
  // No request to validator.swagger.io (the policy would refuse it anyway).
  validatorUrl: null,
  // The token typed into "Authorize" stays in this page's memory: persisted, it would sit in
  // localStorage after the tab is closed, readable by any script of this origin.
  persistAuthorization: false,
  supportedSubmitMethods: ['get', 'put', 'post', 'delete', 'patch'],
  displayRequestDuration: true,
});
