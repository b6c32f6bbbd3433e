// `npm run settings:docs` (after `npm run build`): writes docs/configuration.md
// and .env.example from the settings schema.
import { writeFileSync } from 'node:fs';
import {
  renderConfigurationReference,
  renderEnvExample,
} from '../dist/apps/api/libs/platform/src/config/settings-reference.js';

writeFileSync('docs/configuration.md', renderConfigurationReference());
writeFileSync('.env.example', renderEnvExample());
console.log('wrote docs/configuration.md and .env.example');
