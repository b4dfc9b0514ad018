-- The trace context (W3C traceparent/tracestate) of the request that wrote the row, so a start the
-- relay makes later, after an outage, still belongs to the request's trace. NULL when not tracing.
ALTER TABLE "workflow_outbox" ADD COLUMN "trace_context" JSONB;
