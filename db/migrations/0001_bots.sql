CREATE TABLE `chat_answers` (
	`platform` text NOT NULL,
	`request_key` text NOT NULL,
	`channel_id` text NOT NULL,
	`message_id` text,
	`prediction_id` text,
	`created_at` text NOT NULL,
	PRIMARY KEY(`platform`, `request_key`),
	FOREIGN KEY (`prediction_id`) REFERENCES `predictions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `chat_answers_message` ON `chat_answers` (`platform`,`channel_id`,`message_id`);--> statement-breakpoint
CREATE INDEX `chat_answers_created_at` ON `chat_answers` (`created_at`);--> statement-breakpoint
CREATE TABLE `slack_events` (
	`event_id` text PRIMARY KEY NOT NULL,
	`received_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `slack_events_received_at` ON `slack_events` (`received_at`);