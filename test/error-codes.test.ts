// The error-code catalogue reaches clients: the OpenAPI document's Error schema lists exactly its codes.
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/error-codes';
import { call } from './support/http';

describe('the error-code catalogue in the OpenAPI document', () => {
  it("is the Error schema's code enum", async () => {
    const document = (await (await call('/api/openapi.json')).json()) as {
      components: { schemas: { Error: { properties: { code: { enum: string[] } } } } };
    };
    expect(document.components.schemas.Error.properties.code.enum).toEqual(Object.keys(ERROR_CODES));
  });
});
