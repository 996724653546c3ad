// OAuth sign-in's one entry point for the app: its routes (providers, start, callback) with the
// flow, discovery, ID-token and provider code behind them, loaded by the first request to
// /api/auth/oauth/* (src/lazy-router.ts): sign-ins are a small share of requests (README, Start-up).
import { oauthRouter } from '../../routes/oauth';

export const oauthSignInRouter = oauthRouter;
