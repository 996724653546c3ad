// The API-keys feature's one entry point for code outside it (README, Start-up): the management
// routes and checking a presented key (acceptApiKeys). Loaded by the first request that manages or
// presents a key.
export { apiKeysRouter } from '../routes/api-keys';
export { allowsApiKey, authenticateApiKey, rateLimitHeaders, recordApiKeyUse } from './authenticate';
