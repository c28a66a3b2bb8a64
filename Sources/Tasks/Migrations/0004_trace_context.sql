-- The trace a task was queued in (W3C Trace Context, as a request's headers carry it), so
-- that the worker's span of its run joins the request's trace. Null when nothing traced the
-- enqueue. Adding nullable columns rewrites nothing.

-- migrate:up
ALTER TABLE tasks ADD COLUMN traceparent text, ADD COLUMN tracestate text;

-- migrate:down
ALTER TABLE tasks DROP COLUMN tracestate, DROP COLUMN traceparent;
