CREATE TABLE `organization_subscriptions` (
	`id` text PRIMARY KEY NOT NULL,
	`organization_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`status` text NOT NULL,
	`price_id` text,
	`item_id` text,
	`quantity` integer,
	`current_period_end` integer,
	`cancel_at_period_end` integer DEFAULT false NOT NULL,
	`last_event_created` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organization_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `organization_subscriptions_organization_id_idx` ON `organization_subscriptions` (`organization_id`);--> statement-breakpoint
ALTER TABLE `organizations` ADD `stripe_customer_id` text;--> statement-breakpoint
ALTER TABLE `organizations` ADD `seats_desired` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `organizations` ADD `seats_version` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `organizations` ADD `seats_synced_version` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `organizations` ADD `seat_sync_attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `organizations` ADD `seat_sync_next_at` integer;--> statement-breakpoint
ALTER TABLE `organizations` ADD `seat_sync_lease` text;--> statement-breakpoint
ALTER TABLE `organizations` ADD `seat_sync_lease_until` integer;--> statement-breakpoint
CREATE INDEX `organizations_seat_sync_next_at_idx` ON `organizations` (`seat_sync_next_at`);--> statement-breakpoint
-- Organizations created before this migration: their member count.
UPDATE `organizations` SET `seats_desired` = (SELECT COUNT(*) FROM `memberships` WHERE `memberships`.`organization_id` = `organizations`.`id`);
