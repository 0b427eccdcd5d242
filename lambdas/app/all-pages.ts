import type { Page, PageRequest } from '../ports/catalog';

/** The catalog's largest page. */
const PAGE = 100;

/** Every item of a catalog listing, page after page, in the listing's order. */
export async function allPages<T>(list: (page: PageRequest) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await list({ limit: PAGE, ...(cursor === undefined ? {} : { cursor }) });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return out;
}
