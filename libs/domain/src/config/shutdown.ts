/**
 * SIGTERM or SIGINT: close the app (the worker finishes the deliveries in hand,
 * the API finishes the requests in flight), then exit 0. A second signal exits
 * at once.
 */
export function closeOnSignals(app: { close(): Promise<void> }, name: string): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      console.error(`${name}: ${signal} again, exiting now`);
      process.exit(1);
    }
    closing = true;
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`${name}: error while shutting down`, error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
