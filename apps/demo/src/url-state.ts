/** The demo keeps who is signed in and the open order in the URL (`?as=chef-1&order=…`), so a reload or a shared link lands on the same screen. */
export function readParam(name: string): string | undefined {
  return new URLSearchParams(window.location.search).get(name) ?? undefined;
}

export function writeParam(name: string, value: string | undefined): void {
  const url = new URL(window.location.href);
  if (value === undefined) url.searchParams.delete(name);
  else url.searchParams.set(name, value);
  window.history.replaceState(null, '', url);
}
