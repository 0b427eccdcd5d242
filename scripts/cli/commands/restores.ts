import { arg, type Context, outcomeFailed, required } from '../context';
import { note, usageError } from '../io';
import { printList, printObject } from '../output';
import { waitFor } from '../wait';
import { listAll } from './backups';

type Row = Record<string, unknown>;

const COLUMNS = ['id', 'kind', 'backupId', 'status', 'requestedBy', 'createdAt'];
/** A restore waiting for approval is as far as waiting goes: another admin (or an operator) must act. */
const SETTLED = new Set(['succeeded', 'failed', 'pending_approval']);

function target(context: Context): Row {
  const { flags } = context;
  if (flags['target-json'] !== undefined) {
    try {
      return JSON.parse(flags['target-json']) as Row;
    } catch {
      throw usageError('--target-json is not JSON');
    }
  }
  return {
    database: required(flags.database, 'database (or --target-json)'),
    ...(flags.replace ? { replaceExisting: true } : {}),
  };
}

async function settle(context: Context, restore: Row): Promise<Row> {
  const id = String(restore.id);
  const settled = await waitFor(
    context.client(),
    `/v1/restores/${id}`,
    `restore ${id}`,
    context.progress,
    (record) => SETTLED.has(String(record.status)),
    { timeoutSeconds: context.timeoutSeconds },
  );
  printObject(context.io, context.json, settled);
  if (settled.status === 'pending_approval') {
    note(context.io, `restore ${id} waits for approval: another admin runs strongbox restores approve ${id}`);
  }
  if (settled.status === 'failed') {
    const error = settled.error as { code?: string; message?: string } | null;
    throw outcomeFailed(`restore ${id} failed: ${error?.code ?? ''} ${error?.message ?? ''}`.trim());
  }
  return settled;
}

export async function restores(context: Context, action: string): Promise<void> {
  const { flags, io, json } = context;
  switch (action) {
    case 'list': {
      const page = await listAll(context, '/v1/restores');
      printList(io, json, page, page.items, COLUMNS);
      return;
    }
    case 'create': {
      const body = {
        backupId: required(flags.backup, 'backup'),
        target: target(context),
        ...(flags.tables ? { tables: flags.tables.split(',').map((table) => table.trim()) } : {}),
      };
      const headers = flags['idempotency-key'] ? { 'idempotency-key': flags['idempotency-key'] } : undefined;
      const created = await context.client().post<Row>('/v1/restores', body, headers);
      if (flags.wait) await settle(context, created);
      else printObject(io, json, created);
      return;
    }
    case 'show':
      printObject(io, json, await context.client().get<Row>(`/v1/restores/${arg(context, 0, 'restore id')}`));
      return;
    case 'approve':
    case 'reject': {
      const id = arg(context, 0, 'restore id');
      // --reason (or --comment): the decision's note, kept on the restore's approval and in the audit trail.
      const comment = flags.reason ?? flags.comment;
      const decided = await context.client().post<Row>(`/v1/restores/${id}/${action}`, comment ? { comment } : {});
      if (flags.wait && action === 'approve') await settle(context, decided);
      else printObject(io, json, decided);
      return;
    }
    default:
      throw usageError(`unknown command: restores ${action} (list, create, show, approve, reject)`);
  }
}
