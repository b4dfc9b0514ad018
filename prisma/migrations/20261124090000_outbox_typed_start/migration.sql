-- The outbox keeps each workflow start as the one typed object the write built (workflowType, workflowId,
-- taskQueue, args, searchAttributes, memo), serialised once, instead of spreading it over five columns.
ALTER TABLE "workflow_outbox" ADD COLUMN "start" JSONB;

UPDATE "workflow_outbox" SET "start" = jsonb_build_object(
  'workflowType', "workflow_type",
  'workflowId', "workflow_id",
  'taskQueue', "task_queue",
  'args', "args",
  'searchAttributes', "search_attributes",
  'memo', "memo");

ALTER TABLE "workflow_outbox" ALTER COLUMN "start" SET NOT NULL;

ALTER TABLE "workflow_outbox"
  DROP COLUMN "workflow_type",
  DROP COLUMN "task_queue",
  DROP COLUMN "args",
  DROP COLUMN "search_attributes",
  DROP COLUMN "memo";
