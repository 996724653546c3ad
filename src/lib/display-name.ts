// Display names are one line of plain text: what a person would type as their name, nothing that
// can break a line, reorder text or hide in a log, an email or an admin screen.

export const DISPLAY_NAME_MAX_LENGTH = 100;

/** Control characters (C0, C1: line breaks, tabs, NUL...), line/paragraph separators, bidirectional controls. */
export const NOT_IN_A_NAME = /[\p{Cc}\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/** A provider's name made into a display name: those characters become spaces, runs of spaces one, capped. */
export function plainDisplayName(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const oneLine = value.replace(new RegExp(NOT_IN_A_NAME.source, 'gu'), ' ').replace(/\s+/gu, ' ').trim();
  const capped = [...oneLine].slice(0, DISPLAY_NAME_MAX_LENGTH).join('').trim();
  return capped === '' ? null : capped;
}
