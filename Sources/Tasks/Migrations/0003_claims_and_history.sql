-- Each claim of a task draws a number no claim had before, and every write a worker makes of
-- that run (its lease, its outcome, giving it back) must name it. The worker and attempt pair
-- was not enough: a worker that takes its own expired task back, or a run a staff retry
-- restarted at attempt 1, repeats a pair an older run of the same task still holds.
-- Finished tasks are kept a week for the staff page, then deleted in batches by their age.

-- migrate:up
CREATE SEQUENCE tasks_claims;
ALTER TABLE tasks ADD COLUMN claim bigint;
-- What renewing and giving back read: the runs a worker holds.
CREATE INDEX tasks_running_claim_idx ON tasks (claim) WHERE state = 'running';
-- With the queue and the state, so that the staff page's counts of the last day read the
-- index alone.
CREATE INDEX tasks_finished_idx ON tasks (finished_at) INCLUDE (queue, state)
    WHERE state IN ('succeeded', 'failed', 'cancelled');

-- migrate:down
DROP INDEX tasks_finished_idx;
DROP INDEX tasks_running_claim_idx;
ALTER TABLE tasks DROP COLUMN claim;
DROP SEQUENCE tasks_claims;
