// Display names are one line of plain text: what a person would type as their name, nothing that
// can break a line, reorder text or hide in a log, an email or an admin screen.

export const DISPLAY_NAME_MAX_LENGTH = 100;

/**
 * Control characters (C0, C1: line breaks, tabs, NUL...), line and paragraph separators, lone
 * surrogates, and invisible format characters (bidirectional controls, zero-width spaces, BOM, tag
 * characters...) except the zero-width (non-)joiners that emoji and several scripts need, and the
 * Hangul fillers that render as nothing.
 */
export const NOT_IN_A_NAME = /[\p{Cc}\p{Zl}\p{Zp}\p{Cs}\u115f\u1160\u3164\uffa0]|(?![\u200c\u200d])\p{Cf}/u;

/** A provider's name made into a display name: those characters become spaces, runs of spaces one, capped. */
export function plainDisplayName(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const oneLine = value.replace(new RegExp(NOT_IN_A_NAME.source, 'gu'), ' ').replace(/\s+/gu, ' ').trim();
  const capped = [...oneLine].slice(0, DISPLAY_NAME_MAX_LENGTH).join('').trim();
  return capped === '' ? null : capped;
}
