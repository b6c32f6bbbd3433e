let draining = false;

/**
 * True from the first SIGTERM or SIGINT on: readiness answers 503 from then on,
 * so a balancer or Kubernetes stops sending new work before the process closes.
 */
export function isDraining(): boolean {
  return draining;
}

/**
 * SIGTERM or SIGINT: readiness fails at once; after `delaySeconds` (the API's
 * SHUTDOWN_DELAY_SECONDS, during which it still serves) close the app (the
 * worker finishes the deliveries in hand, the API the requests in flight),
 * then exit 0. A second signal exits at once.
 */
export function closeOnSignals(app: { close(): Promise<void> }, name: string, delaySeconds = 0): void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (draining) {
      console.error(`${name}: ${signal} again, exiting now`);
      process.exit(1);
    }
    draining = true;
    const close = () =>
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(`${name}: error while shutting down`, error);
          process.exit(1);
        },
      );
    if (delaySeconds > 0) setTimeout(() => void close(), delaySeconds * 1000);
    else void close();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
