import type { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';

/**
 * A worker's sweep: `sweep()` every `everyMs` from bootstrap until shutdown. A
 * failed run is logged at warn and the next one tries again; every worker may
 * run it at once, so a sweep must be safe to run anywhere, any number of times.
 */
export abstract class PeriodicSweep implements OnApplicationBootstrap, BeforeApplicationShutdown {
  protected abstract readonly logger: Logger;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly everyMs: number) {}

  abstract sweep(): Promise<unknown>;

  onApplicationBootstrap(): void {
    this.timer = setInterval(
      () =>
        void this.sweep().catch((error: unknown) => this.logger.warn({ err: error }, 'sweep failed; will try again')),
      this.everyMs,
    );
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
