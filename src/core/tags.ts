/**
 * Tags (agent-exec-compat.md §8.3): dot-separated segments of ASCII letters, digits and `-`. Filters are a
 * tag (exact) or `<tag>.*` (the namespace itself or anything under it).
 */
const SEGMENT = /^[A-Za-z0-9-]+$/;

/** An error text for an invalid stored tag, or undefined. */
export function tagProblem(tag: string): string | undefined {
  if (tag === '') return 'invalid tag "": tag must not be empty';
  if (tag.endsWith('.*')) return `invalid tag "${tag}": tag must not end with '.*'`;
  if (!tag.split('.').every((s) => SEGMENT.test(s))) {
    return `invalid tag "${tag}": tag segments may only contain alphanumeric characters and hyphens`;
  }
  return undefined;
}

/** An error text for an invalid filter pattern, or undefined. */
export function tagPatternProblem(pattern: string): string | undefined {
  const base = pattern.endsWith('.*') ? pattern.slice(0, -2) : pattern;
  return tagProblem(base)?.replace(`"${base}"`, `"${pattern}"`);
}

export const dedupeTags = (tags: readonly string[]): string[] => [...new Set(tags)];
