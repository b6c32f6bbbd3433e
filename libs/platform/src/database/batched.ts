/**
 * One statement for many calls: the calls made while the previous batch is
 * in flight wait and go together in the next, so a burst of deliveries costs
 * PostgreSQL (and the driver) a statement per batch instead of one per
 * delivery, and a lone call goes at once (in the same turn of the event loop
 * as it was made, after the calls made beside it). `run` takes the inputs in
 * order and answers one output per input, in the same order; a batch that
 * fails fails each of its calls with the same error, as each would have
 * failed alone.
 */
export class Batched<Input, Output> {
  private waiting: Array<{ input: Input; resolve: (output: Output) => void; reject: (error: unknown) => void }> = [];
  private inFlight = false;
  private scheduled = false;

  constructor(
    private readonly run: (inputs: Input[]) => Promise<Output[]>,
    /** The most calls in one statement (its arrays' length). */
    private readonly maxBatch = 500,
  ) {}

  call(input: Input): Promise<Output> {
    return new Promise<Output>((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      if (!this.inFlight && !this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => {
          this.scheduled = false;
          void this.next();
        });
      }
    });
  }

  private async next(): Promise<void> {
    if (this.inFlight || this.waiting.length === 0) return;
    this.inFlight = true;
    const batch = this.waiting.splice(0, this.maxBatch);
    try {
      const outputs = await this.run(batch.map(({ input }) => input));
      if (outputs.length !== batch.length)
        throw new Error(`a batch of ${batch.length} answered ${outputs.length} outputs`);
      batch.forEach(({ resolve }, index) => resolve(outputs[index]));
    } catch (error) {
      for (const { reject } of batch) reject(error);
    } finally {
      this.inFlight = false;
      void this.next();
    }
  }
}
