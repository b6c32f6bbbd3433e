import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  type SpanOptions,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';

/**
 * A job continues the trace of the request that queued it (SPEC section 16):
 * the producer's span (`<queue> publish`) is injected into the job's data as
 * W3C trace context (`traceparent`), and the worker's span of the job
 * (`<queue> process`) is its child; the job's statements and its outbound call
 * are the job span's children. With tracing off (no SDK), the API's no-op
 * tracer makes these spans free and the carrier empty: jobs carry nothing.
 */
const tracer = trace.getTracer('referral-service/queue');

export type TraceCarrier = Record<string, string>;

/** Runs `work` as the active span: its failure recorded on the span, which ends whatever happens. */
function inSpan<T>(name: string, options: SpanOptions, parent: Context, work: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, options, parent, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Runs `add` inside the producer span, with the carrier to put in the job's data (undefined when not tracing). */
export function tracedAdd<T>(queue: string, add: (carrier: TraceCarrier | undefined) => Promise<T>): Promise<T> {
  const attributes = { 'messaging.system': 'bullmq', 'messaging.destination.name': queue };
  return inSpan(`${queue} publish`, { kind: SpanKind.PRODUCER, attributes }, context.active(), () => {
    const carrier: TraceCarrier = {};
    propagation.inject(context.active(), carrier);
    return add(Object.keys(carrier).length > 0 ? carrier : undefined);
  });
}

/** Runs a job inside its consumer span, the child of the producer's when the job carries one. */
export function tracedJob<T>(
  queue: string,
  job: { id?: string; name: string; carrier?: TraceCarrier },
  run: () => Promise<T>,
): Promise<T> {
  const parent = job.carrier ? propagation.extract(ROOT_CONTEXT, job.carrier) : ROOT_CONTEXT;
  const attributes = {
    'messaging.system': 'bullmq',
    'messaging.destination.name': queue,
    'messaging.operation.name': job.name,
    ...(job.id ? { 'messaging.message.id': job.id } : {}),
  };
  return inSpan(`${queue} process`, { kind: SpanKind.CONSUMER, attributes }, parent, run);
}

/** The active trace's id, for log lines and error bodies; null when no span is recording. */
export function activeTraceId(): string | null {
  const span = trace.getActiveSpan();
  return span && span.isRecording() ? span.spanContext().traceId : null;
}

/** `{ trace_id }` of the active trace, to spread into a log line or an error body; nothing when not tracing. */
export function traceField(): { trace_id?: string } {
  const traceId = activeTraceId();
  return traceId ? { trace_id: traceId } : {};
}
