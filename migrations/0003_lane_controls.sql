CREATE TABLE `lane_controls` (
	`lane` text PRIMARY KEY NOT NULL,
	`paused` integer DEFAULT false NOT NULL,
	`updated_by` text,
	`updated_at` integer
);
