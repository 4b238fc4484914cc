// A request's path without its query string: a query may carry a secret (`?key=...`), so logs and
// messages name the path alone.
export function pathWithoutQuery(url: string | undefined): string {
  return (url ?? '').split('?')[0];
}
