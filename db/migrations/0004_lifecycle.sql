CREATE TABLE `rollout_errors` (
	`rollout_id` integer NOT NULL,
	`model_version` text NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`rollout_id`, `model_version`),
	FOREIGN KEY (`rollout_id`) REFERENCES `rollouts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `rollout_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`rollout_id` integer,
	`kind` text NOT NULL,
	`message` text NOT NULL,
	`details` text DEFAULT '{}' NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`rollout_id`) REFERENCES `rollouts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `rollout_events_rollout` ON `rollout_events` (`rollout_id`);--> statement-breakpoint
CREATE INDEX `rollout_events_created_at` ON `rollout_events` (`created_at`);--> statement-breakpoint
CREATE TABLE `rollouts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`production_version` text NOT NULL,
	`candidate_version` text NOT NULL,
	`percent` real NOT NULL,
	`gates` text NOT NULL,
	`automatic` integer NOT NULL,
	`started_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`ended_at` text,
	`end_reason` text
);
--> statement-breakpoint
CREATE INDEX `rollouts_started_at` ON `rollouts` (`started_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `rollouts_one_active` ON `rollouts` (`status`) WHERE status = 'active';--> statement-breakpoint
CREATE TABLE `shadow_results` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`rollout_id` integer NOT NULL,
	`prediction_id` text NOT NULL,
	`candidate_version` text NOT NULL,
	`production_class_index` integer NOT NULL,
	`candidate_class_index` integer,
	`production_latency_ms` real NOT NULL,
	`candidate_latency_ms` real,
	`error` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`rollout_id`) REFERENCES `rollouts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `shadow_results_rollout` ON `shadow_results` (`rollout_id`);