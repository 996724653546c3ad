-- A session's refresh token now lives in its own row (see src/auth/refresh-token.ts): sessions
-- started before this migration have a null refresh_secret_hash and keep their token in
-- refresh_tokens until it next rotates; nobody is signed out.
ALTER TABLE `sessions` ADD `refresh_generation` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `sessions` ADD `refresh_secret_hash` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `refresh_token_hash` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `recent_refresh_tokens` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `refreshed_at` integer;