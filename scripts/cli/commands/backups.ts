import { basename, resolve } from 'node:path';
import { arg, type Context, limitQuery, outcomeFailed, required } from '../context';
import { downloadTo } from '../download';
import { note, print, usageError } from '../io';
import { printList, printObject } from '../output';
import { FINAL, waitFor } from '../wait';

type Row = Record<string, unknown>;
type Page = { items: Row[]; nextCursor: string | null };

const COLUMNS = ['id', 'sourceId', 'kind', 'trigger', 'status', 'createdAt', 'bytes'];

/** Every page (--all) or one, newest first. */
export async function listAll(context: Context, path: string, extra: string[] = []): Promise<Page> {
  const client = context.client();
  const query = [...extra, limitQuery(context.flags)].filter((part) => part !== '');
  const items: Row[] = [];
  let cursor: string | null = null;
  let page: Page;
  do {
    const parts = [...query, ...(cursor ? [`cursor=${encodeURIComponent(cursor)}`] : [])];
    page = await client.get<Page>(`${path}${parts.length ? `?${parts.join('&')}` : ''}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (context.flags.all && cursor);
  return { items, nextCursor: context.flags.all ? null : page.nextCursor };
}

async function awaitBackup(context: Context, id: string): Promise<Row> {
  const backup = await waitFor(
    context.client(),
    `/v1/backups/${id}`,
    `backup ${id}`,
    context.progress,
    (record) => FINAL.has(String(record.status)),
    { timeoutSeconds: context.timeoutSeconds },
  );
  if (backup.status === 'failed') {
    printObject(context.io, context.json, backup);
    const error = backup.error as { code?: string; message?: string } | null;
    throw outcomeFailed(`backup ${id} failed: ${error?.code ?? ''} ${error?.message ?? ''}`.trim());
  }
  return backup;
}

/** The verification's state as the progress line shows it: checking until a new result, then its outcome. */
function verificationLabel(previous: string) {
  return (record: Row): string => {
    if (JSON.stringify(record.verification ?? null) === previous) return 'checking';
    return (record.verification as { ok?: boolean } | null)?.ok ? 'verified' : 'does not verify';
  };
}

export async function backups(context: Context, action: string): Promise<void> {
  const { flags, io, json } = context;
  switch (action) {
    case 'list': {
      const page = await listAll(
        context,
        '/v1/backups',
        flags.source ? [`sourceId=${encodeURIComponent(flags.source)}`] : [],
      );
      printList(io, json, page, page.items, COLUMNS);
      if (!json && page.nextCursor) note(io, 'more backups: --all lists every page');
      return;
    }
    case 'create': {
      const headers = flags['idempotency-key'] ? { 'idempotency-key': flags['idempotency-key'] } : undefined;
      const created = await context
        .client()
        .post<Row>('/v1/backups', { sourceId: required(flags.source, 'source') }, headers);
      const id = String(created.id);
      printObject(io, json, flags.wait ? await awaitBackup(context, id) : created);
      return;
    }
    case 'show':
      printObject(io, json, await context.client().get<Row>(`/v1/backups/${arg(context, 0, 'backup id')}`));
      return;
    case 'download': {
      const id = arg(context, 0, 'backup id');
      const link = await context
        .client()
        .get<{ url: string; fileName: string; sha256: string; bytes: number }>(`/v1/backups/${id}/download`);
      // The API's file name, never a path of its choosing: only --output may point elsewhere.
      const file = resolve(io.cwd, flags.output ?? basename(link.fileName || `${id}.dump`));
      const result = await downloadTo(link.url, file, { sha256: link.sha256, bytes: link.bytes }, context.progress);
      if (json) print(io, JSON.stringify({ backupId: id, ...result }));
      else print(io, `${result.file}  ${result.bytes} bytes  sha256 ${result.sha256} (matches the backup)`);
      return;
    }
    case 'verify': {
      const id = arg(context, 0, 'backup id');
      const before = await context.client().get<Row>(`/v1/backups/${id}`);
      const previous = JSON.stringify(before.verification ?? null);
      const started = await context.client().post<Row>(`/v1/backups/${id}/verify`, {});
      if (!flags.wait) {
        printObject(io, json, started);
        return;
      }
      const checked = await waitFor(
        context.client(),
        `/v1/backups/${id}`,
        `verifying ${id}`,
        context.progress,
        (record) => JSON.stringify(record.verification ?? null) !== previous,
        { timeoutSeconds: context.timeoutSeconds, label: verificationLabel(previous) },
      );
      printObject(io, json, checked);
      const verification = checked.verification as { ok?: boolean; detail?: string } | null;
      if (!verification?.ok) throw outcomeFailed(`backup ${id} failed verification: ${verification?.detail ?? ''}`);
      return;
    }
    case 'hold': {
      // A legal hold: retention never deletes the backup while it holds (admins; the reason goes to the audit trail).
      const id = arg(context, 0, 'backup id');
      const body = flags.reason ? { reason: flags.reason } : {};
      printObject(io, json, await context.client().post<Row>(`/v1/backups/${id}/hold`, body));
      return;
    }
    case 'release':
      printObject(
        io,
        json,
        await context.client().call<Row>('DELETE', `/v1/backups/${arg(context, 0, 'backup id')}/hold`),
      );
      return;
    default:
      throw usageError(`unknown command: backups ${action} (list, create, show, download, verify, hold, release)`);
  }
}
