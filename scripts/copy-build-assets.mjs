// After `nest build`: the files the compiled apps read beside their code.
// - ReDoc's one bundle (redoc is a development dependency: the image ships this file, not the package).
// - The stored functions' SQL, beside the compiled migrations that load it, in each app's tree.
import { cpSync, mkdirSync } from 'node:fs';

mkdirSync('dist/apps/api/vendor', { recursive: true });
cpSync('node_modules/redoc/bundles/redoc.standalone.js', 'dist/apps/api/vendor/redoc.standalone.js');
for (const app of ['api', 'worker']) {
  cpSync('libs/platform/src/database/functions', `dist/apps/${app}/libs/platform/src/database/functions`, {
    recursive: true,
  });
}
