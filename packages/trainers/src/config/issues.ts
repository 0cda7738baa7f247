import type { z } from 'zod';

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** The value as short JSON; never throws (a cycle, deep nesting or a BigInt get a plain description). */
function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined)
    return Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : typeof value;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * zod issues as one line: `field.path: what was expected, found <the value>`, joined by '; '.
 * (zod's own messages do not show the value found.)
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], input: unknown, prefix = ''): string {
  return issues
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter((part) => part !== '').join('.');
      const message = issue.message.replace(/^Invalid input: /, '').replace(/, received \w+$/, '');
      return `${path === '' ? '(config)' : path}: ${message}, found ${describeValue(valueAt(input, issue.path))}`;
    })
    .join('; ');
}
