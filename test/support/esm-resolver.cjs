// Jest on Node 20 cannot require() an ES module, and some CommonJS packages the
// API uses do (@nestjs/throttler and @nest-lab/throttler-storage-redis require
// Nest 12; @fastify/static requires content-disposition 3; light-my-request,
// under app.inject(), requires cookie 2). Plain Node 20.19+ does that itself;
// under Jest this resolver does it: a require() (and only a require()) of one of
// these packages resolves to a one-line CommonJS file that hands back the
// module namespace esm-namespaces.mjs imported first, so CommonJS and ES-module
// callers share one instance, as they do in Node.
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const ES_MODULE_ONLY = new Set(['@nestjs/common', '@nestjs/core', 'content-disposition', 'cookie']);
const STUBS = join(__dirname, '..', '..', 'node_modules', '.cache', 'jest-esm-stubs');

function stubFor(name) {
  const file = join(STUBS, `${name.replace(/[/@]/g, '_')}.cjs`);
  mkdirSync(STUBS, { recursive: true });
  writeFileSync(file, `module.exports = globalThis[Symbol.for('jest.esm-namespaces')][${JSON.stringify(name)}];\n`);
  return file;
}

module.exports = (request, options) => {
  if (ES_MODULE_ONLY.has(request) && options.conditions?.includes('require')) return stubFor(request);
  return options.defaultResolver(request, options);
};

module.exports.ES_MODULE_ONLY = [...ES_MODULE_ONLY];
