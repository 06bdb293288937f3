CREATE TABLE `token_reservations` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`user_id` text NOT NULL,
	`job_id` text,
	`period` text NOT NULL,
	`amount` integer NOT NULL,
	`charged` integer DEFAULT 0 NOT NULL,
	`status` text DEFAULT 'held' NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`released_at` integer,
	FOREIGN KEY (`org_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `token_reservations_user_period_idx` ON `token_reservations` (`user_id`,`period`,`status`);--> statement-breakpoint
CREATE INDEX `token_reservations_job_idx` ON `token_reservations` (`job_id`);--> statement-breakpoint
CREATE TABLE `__new_lane_controls` (
	`scope` text DEFAULT 'platform' NOT NULL,
	`lane` text NOT NULL,
	`paused` integer DEFAULT false NOT NULL,
	`updated_by` text,
	`updated_at` integer,
	PRIMARY KEY(`scope`, `lane`)
);
--> statement-breakpoint
INSERT INTO `__new_lane_controls`("scope", "lane", "paused", "updated_by", "updated_at") SELECT 'platform', "lane", "paused", "updated_by", "updated_at" FROM `lane_controls`;--> statement-breakpoint
DROP TABLE `lane_controls`;--> statement-breakpoint
ALTER TABLE `__new_lane_controls` RENAME TO `lane_controls`;--> statement-breakpoint
ALTER TABLE `organisations` ADD `link_external_by_email` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `removed_at` integer;--> statement-breakpoint
ALTER TABLE `quizzes` ADD `reveal_answers` text DEFAULT 'after-last-attempt' NOT NULL;--> statement-breakpoint
ALTER TABLE `quiz_attempts` ADD `layout` text;