/** x-forwarded-host gets the original authority when the route rewrote it (append_x_forwarded_host). */
export function appendForwardedHost(headers: Record<string, string | string[] | undefined>, original: string): void {
  const xfh = headers['x-forwarded-host'];
  headers['x-forwarded-host'] = xfh ? `${typeof xfh === 'string' ? xfh : xfh.join(', ')}, ${original}` : original;
}
