CREATE TABLE `oauth_accounts` (
	`provider` text NOT NULL,
	`provider_user_id` text NOT NULL,
	`user_id` text NOT NULL,
	`email` text,
	`created_at` integer NOT NULL,
	`last_login_at` integer NOT NULL,
	PRIMARY KEY(`provider`, `provider_user_id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `oauth_accounts_user_provider_idx` ON `oauth_accounts` (`user_id`,`provider`);--> statement-breakpoint
CREATE TABLE `oauth_state_uses` (
	`state_hash` text PRIMARY KEY NOT NULL,
	`used_at` integer NOT NULL
);
