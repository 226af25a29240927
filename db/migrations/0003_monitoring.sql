CREATE TABLE `monitoring_baselines` (
	`model_version` text PRIMARY KEY NOT NULL,
	`created_at` text NOT NULL,
	`baseline` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `monitoring_windows` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`model_version` text NOT NULL,
	`started_at` text NOT NULL,
	`ended_at` text NOT NULL,
	`closed_by` text NOT NULL,
	`prediction_count` integer NOT NULL,
	`last_prediction_created_at` text NOT NULL,
	`last_prediction_id` text NOT NULL,
	`feedback_until` text NOT NULL,
	`state` text NOT NULL,
	`drift_detected` integer NOT NULL,
	`summary` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `monitoring_windows_ended_at` ON `monitoring_windows` (`ended_at`);--> statement-breakpoint
CREATE INDEX `monitoring_windows_model_version` ON `monitoring_windows` (`model_version`);