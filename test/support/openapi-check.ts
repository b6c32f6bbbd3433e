import ajvFormats from 'ajv-formats';
import { OpenAPIBackend, type Document } from 'openapi-backend';
import { ErrorCode } from '../../libs/domain/src/index.js';

/**
 * Every answer the end-to-end tests receive is checked against the OpenAPI
 * document the API serves: the status must be documented for the operation,
 * the body must match that status's schema (for errors: the error codes the
 * operation lists under it), and the headers it documents must be there. A
 * change that makes the API answer something the document does not say fails
 * `make test`, whichever test happened to cause it.
 */

/** Paths the document describes; the rest (the web page, the docs, the dashboard) are not JSON resources. */
const DESCRIBED = /^\/(api\/|health\/)/;
const ERROR_CODES = new Set<string>(Object.values(ErrorCode));

let checked = 0;
/** How many answers this test file checked. */
export function answersChecked(): number {
  return checked;
}

export interface Answer {
  method: string;
  /** Path and query, as sent. */
  url: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

interface ResponseObject {
  headers?: Record<string, unknown>;
}

export class ResponseChecker {
  private constructor(private readonly api: OpenAPIBackend) {}

  static async create(document: Document): Promise<ResponseChecker> {
    const api = new OpenAPIBackend({
      definition: structuredClone(document),
      strict: true,
      // Validators compiled for the operations a file calls, when it first calls them: compiling all of them
      // took 1.5-2 s of CPU per stack. (The document's own validity is openapi.e2e-spec.ts's test.)
      quick: true,
      // uuid, date-time and the other formats the document uses are checked, not ignored.
      customizeAjv: (ajv) => {
        // A CommonJS module: its function is module.exports, and .default too.
        ajvFormats.default(ajv);
        return ajv;
      },
    });
    await api.init();
    return new ResponseChecker(api);
  }

  /** Throws, naming the request and what is wrong, when the answer is not what the document says. */
  check(answer: Answer): void {
    const path = answer.url.split('?')[0];
    // CORS preflights and HEAD are answered by the framework for every route, not by an operation.
    if (!DESCRIBED.test(path) || answer.method === 'OPTIONS' || answer.method === 'HEAD') return;
    checked += 1;
    const where = `${answer.method} ${answer.url.slice(0, 200)} answered ${answer.status}`;
    const body = answer.body as Record<string, unknown> | undefined;
    if (answer.status >= 400) {
      if (body?.status_code !== answer.status || !ERROR_CODES.has(String(body?.error)) || !body?.request_id) {
        throw new Error(`${where} without the error body: ${JSON.stringify(body)?.slice(0, 300)}`);
      }
    }
    const operation = this.api.matchOperation({
      method: answer.method,
      // The API takes a trailing slash or not; the document writes none.
      path: path.length > 1 ? path.replace(/\/$/, '') : path,
      headers: {},
    });
    // No operation: the router's own answers (404 for an unknown path, 400 for a bad URL), checked above.
    if (!operation) {
      if (answer.status < 400) throw new Error(`${where}, but the document has no such operation`);
      return;
    }
    const documented = operation.responses?.[String(answer.status)] as ResponseObject | undefined;
    if (!documented) {
      const statuses = Object.keys(operation.responses ?? {}).join(', ');
      throw new Error(`${where}, which ${operation.operationId} does not document (it documents ${statuses})`);
    }
    // 204 has no body to check; anything else is checked against its schema.
    const result = answer.status === 204 ? { valid: true } : this.api.validateResponse(body, operation, answer.status);
    if (!result.valid) {
      throw new Error(
        `${where}, a body unlike the document's: ${JSON.stringify((result as { errors?: unknown }).errors)}\n${JSON.stringify(body)?.slice(0, 500)}`,
      );
    }
    for (const header of Object.keys(documented.headers ?? {})) {
      if (answer.headers[header.toLowerCase()] === undefined) throw new Error(`${where} without its ${header} header`);
    }
  }
}

const checkers = new Map<string, Promise<ResponseChecker>>();

/** One checker per document (a deployment without the simulated inbox has fewer paths). */
export function checkerFor(document: Document): Promise<ResponseChecker> {
  const key = JSON.stringify(document);
  let checker = checkers.get(key);
  if (!checker) {
    checker = ResponseChecker.create(document);
    checkers.set(key, checker);
  }
  return checker;
}

const served = new Map<string, Promise<ResponseChecker>>();

/** The checker of a running API, from the document it serves. */
export function checkerOf(base: string): Promise<ResponseChecker> {
  let checker = served.get(base);
  if (!checker) {
    checker = fetch(`${base}/swagger.json`)
      .then((response) => response.json())
      .then((document) => checkerFor(document as Document));
    served.set(base, checker);
    // An API that was down when asked is asked again next time.
    checker.catch(() => served.delete(base));
  }
  return checker;
}
