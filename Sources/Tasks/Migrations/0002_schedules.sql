-- The last tick each periodic schedule queued: workers race to move it forward, and the one
-- that does queues the tick's task in the same transaction.

-- migrate:up
CREATE TABLE task_schedules (
    name text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 200),
    last_tick timestamptz NOT NULL
);

-- migrate:down
DROP TABLE task_schedules;
