import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DISCONNECT, ERROR_CODE_INFO, ERROR_CODES } from '@dabba/protocol';
import { SETTINGS } from '../src/config.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string): string => readFileSync(root + path, 'utf8');

/** The documents users read must say what the code does. */
describe('docs match the code', () => {
  it('docs/protocol.md lists every error code with its protocol number', () => {
    const doc = read('docs/protocol.md');
    for (const code of ERROR_CODES) {
      expect(doc, code).toContain(`\`${code}\``);
      expect(doc, code).toMatch(new RegExp(`\\| ${ERROR_CODE_INFO[code].protocolCode} +\\|[^\\n]*\`${code}\``));
    }
  });

  it('docs/protocol.md lists every disconnect code and reason', () => {
    const doc = read('docs/protocol.md');
    for (const { code, reason } of Object.values(DISCONNECT)) {
      expect(doc).toMatch(new RegExp(`\\| ${code} +\\| \`${reason}\``));
    }
  });

  it('README documents every setting', () => {
    const readme = read('README.md');
    for (const setting of SETTINGS) expect(readme, setting.env).toContain(`\`${setting.env}\``);
  });
});
