import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { arg, type Context, outcomeFailed, required } from '../context';
import { print, readStdin, usageError } from '../io';
import { printList, printObject } from '../output';
import { listAll } from './backups';

type Row = Record<string, unknown>;

function readJson(file: string): Row {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Row;
  } catch (error) {
    throw usageError(`--file ${file}: ${(error as Error).message}`);
  }
}

/** The body of POST /v1/sources: --file body.json, or flags; a password only ever from stdin (never argv). */
async function sourceBody(context: Context): Promise<Row> {
  const { flags, io } = context;
  const body: Row = flags.file ? readJson(resolve(io.cwd, flags.file)) : {};
  const set = (name: string, value: unknown) => {
    if (value !== undefined) body[name] = value;
  };
  set('name', flags.name);
  set('type', flags.type);
  set('host', flags.host);
  if (flags.port !== undefined && !/^\d+$/.test(flags.port)) throw usageError('--port takes a number');
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
    case 'delete': {
      const id = arg(context, 0, 'source id');
      await context.client().call('DELETE', `/v1/sources/${id}`);
      print(io, json ? JSON.stringify({ deleted: id }) : `deleted source ${id} (its backups stay)`);
      return;
    }
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

/** A plan in short: the counts, then each backup's keep/delete and why (the API's JSON with --json). */
function printPlan(context: Context, plan: Row): void {
  const summary = (plan.summary ?? {}) as Row;
  const counts = `keep ${String(summary.keep ?? 0)}, delete ${String(summary.delete ?? 0)}, archive ${String(summary.archive ?? 0)}`;
  print(context.io, `source ${String(plan.sourceId)}: ${counts} (as of ${String(plan.now)})`);
  const decisions = ((plan.decisions ?? []) as Row[]).map((d) => ({
    ...d,
    reasons: (d.reasons as string[]).join(', '),
  }));
  if (decisions.length > 0)
    printList(context.io, false, plan, decisions, ['backupId', 'createdAt', 'status', 'action', 'reasons']);
}

/** `retention preview --source ID`: one source's plan; without --source, every source's (deletes nothing). */
export async function retention(context: Context, action: string): Promise<void> {
  if (action !== 'preview') throw usageError(`unknown command: retention ${action} (preview)`);
  const client = context.client();
  const preview = (id: string) => client.get<Row>(`/v1/retention/preview?sourceId=${encodeURIComponent(id)}`);
  if (context.flags.source !== undefined) {
    const plan = await preview(required(context.flags.source, 'source'));
    if (context.json) printObject(context.io, true, plan);
    else printPlan(context, plan);
    return;
  }
  const every = await listAll({ ...context, flags: { ...context.flags, all: true, limit: '100' } }, '/v1/sources');
  const plans: Row[] = [];
  for (const source of every.items) plans.push(await preview(String(source.id)));
  if (context.json) print(context.io, JSON.stringify({ items: plans }, null, 2));
  else if (plans.length === 0) print(context.io, '(no sources)');
  else for (const plan of plans) printPlan(context, plan);
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
