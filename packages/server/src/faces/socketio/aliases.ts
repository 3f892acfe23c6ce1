/**
 * Seed payloads name some fields their own way (`chatId`, `message`, `isTyping`): a zod
 * preprocess step that copies each alias to its canonical field when that one is absent, and
 * drops the alias. Anything that is not a plain object passes through for the schema to refuse.
 */
export function renameAliases(aliases: Readonly<Record<string, string>>): (value: unknown) => unknown {
  return (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const [alias, canonical] of Object.entries(aliases)) {
      if (!(alias in out)) continue;
      if (out[canonical] === undefined) out[canonical] = out[alias];
      delete out[alias];
    }
    return out;
  };
}

/** A bare id (`socket.emit('subscribe:store', 'st-1')`) as `{[field]: id}`; objects pass through. */
export function bareId(field: string): (value: unknown) => unknown {
  return (value) => (typeof value === 'string' ? { [field]: value } : value);
}
