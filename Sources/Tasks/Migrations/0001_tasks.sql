-- Background tasks: one row per task, from queued to finished. A worker claims ready rows with
-- FOR UPDATE SKIP LOCKED and holds each under a lease it renews while the task runs; a row
-- whose lease ran out (its worker was killed or cut off) is ready again, with the attempt that
-- was lost counted.

-- migrate:up
CREATE TABLE tasks (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL CHECK (name ~ '^[A-Za-z0-9_.:-]{1,200}$'),
    queue text NOT NULL DEFAULT 'default' CHECK (queue ~ '^[a-z0-9_-]{1,64}$'),
    arguments jsonb NOT NULL,
    priority smallint NOT NULL DEFAULT 0,
    state text NOT NULL DEFAULT 'ready'
        CHECK (state IN ('ready', 'running', 'succeeded', 'failed', 'cancelled')),
    run_after timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL DEFAULT 3 CHECK (max_attempts BETWEEN 1 AND 1000),
    -- At most one ready or running task per key (the partial index below).
    unique_key text CHECK (length(unique_key) BETWEEN 1 AND 255),
    worker text,
    lease_expires_at timestamptz,
    result jsonb,
    last_error text,
    enqueued_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz
);
-- What a claim reads: ready tasks of a queue, most urgent first.
CREATE INDEX tasks_ready_idx ON tasks (queue, priority DESC, run_after, id) WHERE state = 'ready';
CREATE INDEX tasks_running_lease_idx ON tasks (lease_expires_at) WHERE state = 'running';
-- The heartbeat's count of tasks left failed within the hour.
CREATE INDEX tasks_failed_idx ON tasks (finished_at) WHERE state = 'failed';
CREATE UNIQUE INDEX tasks_unique_key_idx ON tasks (unique_key) WHERE state IN ('ready', 'running');

-- migrate:down
DROP TABLE tasks;
