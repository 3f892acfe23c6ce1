/** A JSON value, as the AsyncAPI document is built. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** YAML 1.2 words and number-like text a plain scalar must not be mistaken for. */
const RESERVED =
  /^(?:true|false|null|yes|no|on|off|y|n|~|[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?|\.inf|\.nan)$/i;
/** Text that is safe unquoted, as a key or a value: no indicators, no leading or trailing blanks. */
const PLAIN = /^[A-Za-z0-9_$/.][A-Za-z0-9_$/.{}() -]*$/;

/**
 * Writes a JSON value as block-style YAML (what the committed `docs/asyncapi.yaml` is): readable,
 * formatted as Prettier leaves it, and parsed back to the same value by any YAML 1.2 parser.
 * Strings that could be read as anything else are quoted.
 */
export function toYaml(value: JsonValue): string {
  return `${block(value, 0).replace(/^\n/, '')}\n`;
}

function scalar(value: null | boolean | number | string): string {
  if (value === null) return 'null';
  if (typeof value !== 'string') return JSON.stringify(value);
  if (PLAIN.test(value) && !value.endsWith(' ') && !RESERVED.test(value)) return value;
  return quoted(value);
}

/**
 * A quoted scalar, quoted as Prettier (singleQuote) writes it: single quotes (no escapes, `'`
 * doubled) unless the text holds single quotes but no double ones, or characters only an escape
 * can carry.
 */
function quoted(value: string): string {
  // eslint-disable-next-line no-control-regex
  const needsEscapes = /[\x00-\x1f\x7f]/.test(value);
  if (needsEscapes || (value.includes("'") && !value.includes('"'))) return JSON.stringify(value);
  return `'${value.replaceAll("'", "''")}'`;
}

function isEmpty(value: JsonValue): boolean {
  return Array.isArray(value)
    ? value.length === 0
    : typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

/** A value after `key:` or `-`: inline for scalars and empty collections, else on the following lines. */
function block(value: JsonValue, indent: number): string {
  if (value === null || typeof value !== 'object') return ` ${scalar(value)}`;
  if (isEmpty(value)) return Array.isArray(value) ? ' []' : ' {}';
  const pad = '  '.repeat(indent);
  if (Array.isArray(value)) return value.map((item) => `\n${pad}-${listItem(item, indent + 1)}`).join('');
  return Object.entries(value)
    .map(([key, item]) => `\n${pad}${scalar(key)}:${block(item, indent + 1)}`)
    .join('');
}

/** A list item: a mapping starts on the dash's line (`- key: value`), as Prettier writes it. */
function listItem(item: JsonValue, indent: number): string {
  const text = block(item, indent);
  const mapping = typeof item === 'object' && item !== null && !Array.isArray(item) && !isEmpty(item);
  return mapping ? ` ${text.slice(1 + 2 * indent)}` : text;
}
