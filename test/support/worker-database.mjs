// Plain JavaScript: the global setup and teardown and the test environment load it outside Jest's module mapping.

/** The database of Jest worker `worker`: a copy of the migrated `template`. */
export function workerDatabaseName(template, worker) {
  return `${template}_w${worker}`;
}

/** The same URL on worker `worker`'s database (a URL through PgBouncer reaches it the same way). */
export function workerDatabaseUrl(databaseUrl, worker) {
  const url = new URL(databaseUrl);
  url.pathname = `/${encodeURIComponent(workerDatabaseName(decodeURIComponent(url.pathname.slice(1)), worker))}`;
  return url.toString();
}

/** A LIKE pattern of the worker databases the global setup made beside `template`, for the teardown to drop. */
export function workerDatabasePattern(template) {
  return `${template.replace(/[\\%_]/g, '\\$&')}\\_w%`;
}
