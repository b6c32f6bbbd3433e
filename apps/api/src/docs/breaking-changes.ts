/**
 * What a client built against `before` could no longer do against `after`
 * (two OpenAPI 3 documents): an operation or a success answer gone; a
 * parameter or body field it may send gone or newly required; a field it reads
 * gone, no longer always there, or of another type; a value it may send taken
 * out of an enum. Additions a client can ignore (operations, optional fields,
 * answers) are not breaking. Pure: `npm run openapi -- --check` and its unit
 * test call it.
 */

type Schema = {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  allOf?: Schema[];
  nullable?: boolean;
};
type Parameter = { name: string; in: string; required?: boolean; schema?: Schema };
type Operation = {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
};
export type Document = {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
};

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);
/** Deeper than any of our schemas: a cycle of $refs stops here. */
const MAX_DEPTH = 12;

export function breakingChanges(before: Document, after: Document): string[] {
  const changes: string[] = [];
  const resolve = (document: Document) => (schema: Schema | undefined) =>
    schema?.$ref ? document.components?.schemas?.[schema.$ref.split('/').pop()!] : schema;
  const old = resolve(before);
  const now = resolve(after);

  /** Something the client sends: what it may send must still be taken, nothing new may be demanded. */
  const sent = (where: string, a: Schema | undefined, b: Schema | undefined, depth = 0): void => {
    const [x, y] = [old(a), now(b)];
    if (!x || !y || depth > MAX_DEPTH) return;
    if (x.type && y.type && x.type !== y.type) changes.push(`${where}: type ${x.type} became ${y.type}`);
    if (x.enum && y.enum) {
      for (const value of x.enum)
        if (!y.enum.includes(value)) changes.push(`${where}: ${JSON.stringify(value)} is no longer taken`);
    }
    const required = new Set(x.required ?? []);
    for (const field of y.required ?? []) {
      if (!required.has(field)) changes.push(`${where}.${field}: newly required`);
    }
    for (const [field, schema] of Object.entries(x.properties ?? {})) {
      const next = y.properties?.[field];
      if (!next) changes.push(`${where}.${field}: no longer taken`);
      else sent(`${where}.${field}`, schema, next, depth + 1);
    }
    if (x.items && y.items) sent(`${where}[]`, x.items, y.items, depth + 1);
  };

  /** Something the client reads: what it could count on must still be there, and of the same type. */
  const read = (where: string, a: Schema | undefined, b: Schema | undefined, depth = 0): void => {
    const [x, y] = [old(a), now(b)];
    if (!x || !y || depth > MAX_DEPTH) return;
    if (x.type && y.type && x.type !== y.type) changes.push(`${where}: type ${x.type} became ${y.type}`);
    if (!x.nullable && y.nullable) changes.push(`${where}: may now be null`);
    const required = new Set(y.required ?? []);
    for (const field of x.required ?? []) {
      if (!required.has(field)) changes.push(`${where}.${field}: no longer always answered`);
    }
    for (const [field, schema] of Object.entries(x.properties ?? {})) {
      const next = y.properties?.[field];
      if (!next) changes.push(`${where}.${field}: no longer answered`);
      else read(`${where}.${field}`, schema, next, depth + 1);
    }
    if (x.items && y.items) read(`${where}[]`, x.items, y.items, depth + 1);
  };

  for (const [path, operations] of Object.entries(before.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (!METHODS.has(method)) continue;
      const name = `${method.toUpperCase()} ${path}`;
      const next = after.paths[path]?.[method];
      if (!next) {
        changes.push(`${name}: removed`);
        continue;
      }
      const params = new Map((operation.parameters ?? []).map((p) => [`${p.in}:${p.name}`, p]));
      for (const parameter of next.parameters ?? []) {
        const was = params.get(`${parameter.in}:${parameter.name}`);
        if (parameter.required && !was?.required)
          changes.push(`${name} ${parameter.in} ${parameter.name}: newly required`);
      }
      for (const [key, parameter] of params) {
        const is = (next.parameters ?? []).find((p) => `${p.in}:${p.name}` === key);
        if (!is) changes.push(`${name} ${parameter.in} ${parameter.name}: no longer taken`);
        else sent(`${name} ${parameter.in} ${parameter.name}`, parameter.schema, is.schema);
      }
      const body = (op: Operation) => op.requestBody?.content?.['application/json']?.schema;
      if (!operation.requestBody?.required && next.requestBody?.required) changes.push(`${name} body: newly required`);
      sent(`${name} body`, body(operation), body(next));
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (!/^2/.test(status)) continue;
        const answer = next.responses?.[status];
        if (!answer) {
          changes.push(`${name} ${status}: no longer answered`);
          continue;
        }
        const schema = (r: typeof response) => r.content?.['application/json']?.schema;
        read(`${name} ${status}`, schema(response), schema(answer));
      }
    }
  }
  return changes;
}
