ALTER TABLE `oauth_accounts` ADD `email_verified` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `role_pinned_at` integer;--> statement-breakpoint
-- Links made before this column existed: vouched for when the account's address was already
-- verified when the link was made (a provider that vouched created or linked it). A link older than
-- the verification stays unvouched, and the next proof of the address removes it.
UPDATE `oauth_accounts` SET `email_verified` = 1 WHERE EXISTS (
  SELECT 1 FROM `users` WHERE `users`.`id` = `oauth_accounts`.`user_id`
    AND `users`.`email_verified_at` IS NOT NULL AND `users`.`email_verified_at` <= `oauth_accounts`.`created_at`
);
