-- Staff ask for the results as CSV: a row here, and an ExportResults task queued in the same
-- transaction that fills it in; the staff page downloads it when it is ready. Exports are kept
-- a week (the periodic PruneStaleRecords task deletes older ones). And the permissions of the
-- staff page that shows the task queue.

-- migrate:up
CREATE TABLE result_exports (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    requested_by bigint REFERENCES users (id) ON DELETE SET NULL,
    requested_at timestamptz NOT NULL DEFAULT now(),
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'ready', 'failed')),
    content text,
    row_count integer,
    error text,
    finished_at timestamptz
);
CREATE INDEX result_exports_requested_at_idx ON result_exports (requested_at);

INSERT INTO auth_permissions (codename, name) VALUES
    ('polls.export_results', 'Export the results as CSV and download the exports'),
    ('tasks.view_task', 'See the background task queues and failed tasks'),
    ('tasks.change_task', 'Retry failed tasks and cancel waiting ones');

-- migrate:down
DELETE FROM auth_permissions WHERE codename IN ('polls.export_results', 'tasks.view_task', 'tasks.change_task');
DROP TABLE result_exports;
