import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { arg, type Context, outcomeFailed, required } from '../context';
import { readStdin, usageError } from '../io';
import { printList, printObject } from '../output';
import { listAll } from './backups';

type Row = Record<string, unknown>;

/** The body of POST /v1/sources: --file body.json, or flags; a password only ever from stdin (never argv). */
async function sourceBody(context: Context): Promise<Row> {
  const { flags, io } = context;
  const body: Row = flags.file ? (JSON.parse(readFileSync(resolve(io.cwd, flags.file), 'utf8')) as Row) : {};
  const set = (name: string, value: unknown) => {
    if (value !== undefined) body[name] = value;
  };
  set('name', flags.name);
  set('type', flags.type);
  set('host', flags.host);
  set('port', flags.port === undefined ? undefined : Number(flags.port));
  set('database', flags.database);
  set('username', flags.username);
  if (flags['password-stdin']) body.password = await readStdin(io);
  if (body.name === undefined) required(undefined, 'name (or --file)');
  return body;
}

export async function sources(context: Context, action: string): Promise<void> {
  const { io, json } = context;
  switch (action) {
    case 'list': {
      const page = await listAll(context, '/v1/sources');
      printList(io, json, page, page.items, ['id', 'name', 'type', 'host', 'database', 'resourceId', 'createdAt']);
      return;
    }
    case 'show':
      printObject(io, json, await context.client().get<Row>(`/v1/sources/${arg(context, 0, 'source id')}`));
      return;
    case 'create':
      printObject(io, json, await context.client().post<Row>('/v1/sources', await sourceBody(context)));
      return;
    case 'delete':
      await context.client().call('DELETE', `/v1/sources/${arg(context, 0, 'source id')}`);
      if (json) io.stdout.write(`${JSON.stringify({ deleted: context.args[0] })}\n`);
      return;
    default:
      throw usageError(`unknown command: sources ${action} (list, show, create, delete)`);
  }
}

export async function policies(context: Context, action: string): Promise<void> {
  const { io, json } = context;
  if (action === 'list') {
    const page = await listAll(context, '/v1/policies');
    printList(io, json, page, page.items, ['id', 'name', 'revision', 'updatedAt']);
  } else if (action === 'show') {
    printObject(io, json, await context.client().get<Row>(`/v1/policies/${arg(context, 0, 'policy id')}`));
  } else {
    throw usageError(`unknown command: policies ${action} (list, show)`);
  }
}

export async function retention(context: Context, action: string): Promise<void> {
  if (action !== 'preview') throw usageError(`unknown command: retention ${action} (preview)`);
  const sourceId = encodeURIComponent(required(context.flags.source, 'source'));
  const plan = await context.client().get<Row>(`/v1/retention/preview?sourceId=${sourceId}`);
  if (context.json) {
    printObject(context.io, true, plan);
    return;
  }
  const decisions = (plan.decisions ?? plan.items ?? []) as Row[];
  printObject(context.io, false, Object.fromEntries(Object.entries(plan).filter(([, v]) => !Array.isArray(v))));
  if (decisions.length > 0) printList(context.io, false, plan, decisions, ['backupId', 'action', 'reasons']);
}

export async function audit(context: Context, action: string): Promise<void> {
  const { io, json } = context;
  if (action === 'list') {
    const page = await listAll(context, '/v1/audit');
    const rows = page.items.map((entry) => ({
      ...entry,
      who: (entry.actor as { subject?: string } | undefined)?.subject,
      on: entry.target ? `${(entry.target as Row).kind} ${(entry.target as Row).id}` : null,
    }));
    printList(io, json, page, rows, ['seq', 'at', 'who', 'action', 'on', 'result', 'httpStatus']);
  } else if (action === 'verify') {
    const check = await context.client().get<Row>('/v1/audit/verify');
    printObject(io, json, check);
    if (check.ok !== true) throw outcomeFailed(`the audit chain is broken: ${JSON.stringify(check.brokenAt)}`);
  } else {
    throw usageError(`unknown command: audit ${action} (list, verify)`);
  }
}
