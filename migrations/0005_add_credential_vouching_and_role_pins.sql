CREATE TABLE `role_pins` (
	`email` text PRIMARY KEY NOT NULL,
	`role` text NOT NULL,
	`pinned_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `oauth_accounts` ADD `email_verified` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `password_vouched` integer DEFAULT false NOT NULL;--> statement-breakpoint
-- Credentials made before these columns existed count as vouched for when the account's address was
-- already verified when they were made (links), or is verified now (passwords: there is no telling
-- when they were set). Unvouched links stay so, and the next proof of the address removes them.
UPDATE `oauth_accounts` SET `email_verified` = 1 WHERE EXISTS (
  SELECT 1 FROM `users` WHERE `users`.`id` = `oauth_accounts`.`user_id`
    AND `users`.`email_verified_at` IS NOT NULL AND `users`.`email_verified_at` <= `oauth_accounts`.`created_at`
);
--> statement-breakpoint
UPDATE `users` SET `password_vouched` = 1 WHERE `password_hash` IS NOT NULL AND `email_verified_at` IS NOT NULL;
