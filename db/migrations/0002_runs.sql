CREATE TABLE `run_epochs` (
	`run_id` integer NOT NULL,
	`epoch` integer NOT NULL,
	`metrics` text NOT NULL,
	`recorded_at` text NOT NULL,
	PRIMARY KEY(`run_id`, `epoch`),
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`started_at` text NOT NULL,
	`ended_at` text,
	`pid` integer NOT NULL,
	`hostname` text NOT NULL,
	`command` text NOT NULL,
	`params` text NOT NULL,
	`metrics` text,
	`git_commit` text,
	`git_dirty` integer,
	`dataset_id` text,
	`dataset_sha256` text,
	`backend` text,
	`model_version` text,
	`artifacts` text DEFAULT '[]' NOT NULL,
	`warnings` text DEFAULT '[]' NOT NULL,
	`error` text,
	`parent_run_id` integer
);
--> statement-breakpoint
CREATE INDEX `runs_started_at` ON `runs` (`started_at`);--> statement-breakpoint
CREATE INDEX `runs_status` ON `runs` (`status`);