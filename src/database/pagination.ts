/** A page request in the services' terms: how many, and strictly older than which id. */
export interface PageRequest {
  first: number;
  beforeId: number | null;
}

export interface Page<T> {
  items: T[];
  hasNextPage: boolean;
}

/** Runs a keyset query for one extra row, to know whether another page follows. */
export async function fetchPage<T>(request: PageRequest, fetch: (limit: number) => Promise<T[]>): Promise<Page<T>> {
  const rows = await fetch(request.first + 1);
  return { items: rows.slice(0, request.first), hasNextPage: rows.length > request.first };
}
