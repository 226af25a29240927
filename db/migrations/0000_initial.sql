CREATE TABLE `feedback` (
	`id` text PRIMARY KEY NOT NULL,
	`prediction_id` text NOT NULL,
	`user_hash` text NOT NULL,
	`source` text NOT NULL,
	`verdict` text NOT NULL,
	`label` text,
	`created_at` text NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`prediction_id`) REFERENCES `predictions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `feedback_prediction_user` ON `feedback` (`prediction_id`,`user_hash`);--> statement-breakpoint
CREATE TABLE `predictions` (
	`id` text PRIMARY KEY NOT NULL,
	`created_at` text NOT NULL,
	`source` text NOT NULL,
	`user_hash` text,
	`model_version` text NOT NULL,
	`input_sha256` text NOT NULL,
	`input_pixels` blob NOT NULL,
	`label` text NOT NULL,
	`class_index` integer NOT NULL,
	`confidence` real NOT NULL,
	`top_k` text NOT NULL,
	`latency_ms` real NOT NULL
);
--> statement-breakpoint
CREATE INDEX `predictions_created_at` ON `predictions` (`created_at`);--> statement-breakpoint
CREATE INDEX `predictions_model_version` ON `predictions` (`model_version`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
