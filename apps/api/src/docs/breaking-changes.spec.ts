import { readFileSync } from 'node:fs';
import { breakingChanges, type Document } from './breaking-changes.js';

/**
 * The check against the released document, on the real one (docs/openapi.json):
 * every operation, answer field and body field of it is a case. A change a
 * client cannot survive is named; one it can ignore is not.
 */

const document = JSON.parse(readFileSync('docs/openapi.json', 'utf8')) as Document & {
  components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
};
const copy = (): typeof document => structuredClone(document);

const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
);
const schemaName = (schema: { $ref?: string } | undefined) => schema?.$ref?.split('/').pop();

describe('breaking changes against the released document', () => {
  it('finds none between the document and itself', () => {
    expect(breakingChanges(document, copy())).toEqual([]);
  });

  it.each(operations.map(({ path, method }) => [`${method.toUpperCase()} ${path}`, path, method]))(
    'names %s when it is removed',
    (name, path, method) => {
      const after = copy();
      delete after.paths[path][method];
      expect(breakingChanges(document, after)).toContain(`${name}: removed`);
    },
  );

  /** Each success answer's object schema and its fields: removing any one is breaking. */
  const answered = operations.flatMap(({ path, method, operation }) =>
    Object.entries(operation.responses ?? {})
      .filter(([status]) => status.startsWith('2'))
      .map(([status, response]) => ({
        path,
        method,
        status,
        schema: schemaName(response.content?.['application/json']?.schema),
      }))
      .filter(({ schema }) => schema && document.components.schemas[schema]?.properties),
  );
  it('names every answered field that disappears', () => {
    expect(answered.length).toBeGreaterThan(10);
    for (const { path, method, status, schema } of answered) {
      for (const field of Object.keys(document.components.schemas[schema!].properties!)) {
        const after = copy();
        delete after.components.schemas[schema!].properties![field];
        expect(breakingChanges(document, after)).toContain(
          `${method.toUpperCase()} ${path} ${status}.${field}: no longer answered`,
        );
      }
    }
  });

  /** Each request body's optional fields: making any one required is breaking; adding a new optional one is not. */
  const bodies = operations
    .map(({ path, method, operation }) => ({
      path,
      method,
      schema: schemaName(operation.requestBody?.content?.['application/json']?.schema),
    }))
    .filter(({ schema }) => schema && document.components.schemas[schema]?.properties);
  it('names every optional body field made required, and no new optional one', () => {
    expect(bodies.length).toBeGreaterThan(5);
    for (const { path, method, schema } of bodies) {
      const target = document.components.schemas[schema!];
      for (const field of Object.keys(target.properties!).filter((f) => !(target.required ?? []).includes(f))) {
        const after = copy();
        after.components.schemas[schema!].required = [...(target.required ?? []), field];
        expect(breakingChanges(document, after)).toContain(
          `${method.toUpperCase()} ${path} body.${field}: newly required`,
        );
      }
      const added = copy();
      added.components.schemas[schema!].properties!.a_new_optional_field = { type: 'string' };
      expect(breakingChanges(document, added)).toEqual([]);
    }
  });

  it('names a type changed, an enum value taken away, a success answer gone; not a new operation', () => {
    const before: Document = {
      paths: {
        '/things': {
          post: {
            requestBody: {
              content: {
                'application/json': {
                  schema: { type: 'object', properties: { kind: { type: 'string', enum: ['a', 'b'] } } },
                },
              },
            },
            responses: {
              '201': {
                content: {
                  'application/json': { schema: { type: 'object', properties: { n: { type: 'integer' } } } },
                },
              },
            },
          },
        },
      },
    };
    const after: Document = structuredClone(before);
    const post = after.paths['/things'].post;
    post.requestBody!.content!['application/json'].schema!.properties!.kind.enum = ['a'];
    post.responses!['201'].content!['application/json'].schema!.properties!.n.type = 'string';
    after.paths['/other'] = { get: { responses: {} } };
    expect(breakingChanges(before, after)).toEqual([
      'POST /things body.kind: "b" is no longer taken',
      'POST /things 201.n: type integer became string',
    ]);
    delete post.responses!['201'];
    expect(breakingChanges(before, after)).toContain('POST /things 201: no longer answered');
  });
});
