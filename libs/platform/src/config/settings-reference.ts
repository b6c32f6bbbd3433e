import { EnvironmentVariables, SETTING_GROUPS, SETTING_HELP, SETTING_NAMES } from './environment.js';

/**
 * docs/configuration.md and .env.example, rendered from the features' settings
 * (features/*.config.ts, registered together in environment.ts). `npm run
 * settings:docs` writes both; settings-reference.spec.ts fails when a
 * checked-in copy differs from what the schemas render.
 */
const SOURCE = 'libs/platform/src/config/features/*.config.ts';

interface Row {
  name: string;
  group: string;
  meaning: string;
  /** The schema's default, when it has one. */
  value: string | undefined;
  /** How the default reads to a person. */
  defaultText: string;
}

function rows(): Row[] {
  const defaults = new EnvironmentVariables() as unknown as Record<string, string | undefined>;
  return SETTING_NAMES.map((name) => {
    const help = SETTING_HELP[name];
    const value = defaults[name];
    const defaultText = help.default ?? (value === undefined ? 'unset' : value === '' ? 'empty' : value);
    return { name, group: help.group, meaning: help.meaning, value, defaultText };
  });
}

function grouped(): Map<string, Row[]> {
  const groups = new Map<string, Row[]>(SETTING_GROUPS.map((group) => [group, []]));
  for (const row of rows()) groups.set(row.group, [...(groups.get(row.group) ?? []), row]);
  return groups;
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

export function renderConfigurationReference(): string {
  const lines = [
    '# Configuration',
    '',
    `Generated from \`${SOURCE}\` by \`npm run settings:docs\`; a test fails when this`,
    'file and the schema differ. Every setting is read from the environment, and from',
    'the `.env` file of the folder a process starts in (`ENV_FILE` names another),',
    'which the environment overrides. Every value is validated at start: a bad one',
    'stops the process with one line naming the variable. An empty value means unset.',
    '`.env.example` lists the same settings, ready to copy.',
  ];
  for (const [group, members] of grouped()) {
    lines.push('', `## ${group}`, '', '| variable | default | meaning |', '| --- | --- | --- |');
    for (const row of members) {
      const shown =
        row.value !== undefined && row.value !== '' && !SETTING_HELP[row.name as keyof EnvironmentVariables].default;
      lines.push(
        `| \`${row.name}\` | ${shown ? `\`${cell(row.defaultText)}\`` : cell(row.defaultText)} | ${cell(row.meaning)} |`,
      );
    }
  }
  return lines.join('\n') + '\n';
}

export function renderEnvExample(): string {
  const lines = [
    '# Settings of the API and the worker. Generated from',
    `# ${SOURCE} by \`npm run settings:docs\`.`,
    '# Copy to .env and uncomment what you change: every line shows the default.',
    '# docs/configuration.md says the same with more room.',
  ];
  for (const [group, members] of grouped()) {
    lines.push('', `# --- ${group} ---`);
    for (const row of members) {
      lines.push('', `# ${row.meaning.replace(/`/g, '')}`);
      if (SETTING_HELP[row.name as keyof EnvironmentVariables].default || row.value === undefined) {
        lines.push(`# default: ${row.defaultText.replace(/`/g, '')}`);
        lines.push(`#${row.name}=`);
      } else {
        lines.push(`#${row.name}=${/[\s#'"]/.test(row.value) ? JSON.stringify(row.value) : row.value}`);
      }
    }
  }
  return lines.join('\n') + '\n';
}
