// Imported before every test file (Jest's setupFiles): the namespaces that
// esm-resolver.cjs hands to CommonJS callers. One import each, so both kinds of
// caller see the same module instance.
import * as nestCommon from '@nestjs/common';
import * as nestCore from '@nestjs/core';
import * as contentDisposition from 'content-disposition';
import * as cookie from 'cookie';

globalThis[Symbol.for('jest.esm-namespaces')] = {
  '@nestjs/common': nestCommon,
  '@nestjs/core': nestCore,
  'content-disposition': contentDisposition,
  cookie,
};
