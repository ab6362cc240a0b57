/**
 * Tag filters, as `list --tag` and the panel's tag filter read them: a tag matches exactly,
 * `<tag>.*` matches the namespace itself and everything under it.
 */
export function tagMatches(pattern: string, tags: readonly string[]): boolean {
  if (pattern.endsWith('.*')) {
    const ns = pattern.slice(0, -2);
    return tags.some((t) => t === ns || t.startsWith(`${ns}.`));
  }
  return tags.includes(pattern);
}
