import type { Page, PageRequest } from '../ports/catalog';

/** The catalog's largest page. */
const PAGE = 100;

/** Every item of a catalog listing, page after page, in the listing's order. */
export function allPages<T>(list: (page: PageRequest) => Promise<Page<T>>): Promise<T[]> {
  return pagesWhile(list, () => true);
}

/** The items of a listing in its order, page after page, up to (not including) the first for which `more` is false. */
export async function pagesWhile<T>(
  list: (page: PageRequest) => Promise<Page<T>>,
  more: (item: T) => boolean,
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await list({ limit: PAGE, ...(cursor === undefined ? {} : { cursor }) });
    for (const item of page.items) {
      if (!more(item)) return out;
      out.push(item);
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return out;
}
