// Shared pieces of the sections' semantic rules (the `…Problems` functions each section exports,
// run by helpers/inventory/semantic.ts on the raw, possibly invalid data: they guard every value).
import { closest } from "../suggest.ts";

export type Rec = Record<string, unknown>;
export type Segments = Array<string | number>;
/** Report a problem at the value of `segments` (its position, display path and message). */
export type At = (segments: Segments, message: string) => void;
/** 1-based line where the value of `segments` starts, for "first at … (line N)" messages. */
export type LineOf = (segments: Segments) => number;

export function isRecord(value: unknown): value is Rec {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The nodes as records (anything else as an empty record, so indexes stay those of the file). */
export const nodeRecords = (nodes: readonly unknown[]): Rec[] => nodes.map((n) => (isRecord(n) ? n : {}));

/** `did you mean 'x'?`, else the list of what there is (`${noun} are a, b`). */
export function suggestion(word: string, candidates: Iterable<string>, noun: string): string {
  const list = [...candidates];
  const guess = closest(word, list);
  if (guess) return `did you mean '${guess}'?`;
  return list.length ? `${noun} are ${list.join(", ")}` : `there are no ${noun}`;
}

/**
 * Items of a list that repeat a key: reported at the repeat, with where the first one is.
 * `key` returns the comparable key of an item (undefined: not comparable, skipped) and the text shown.
 */
export function duplicates(
  list: unknown,
  here: Segments,
  field: string | undefined,
  key: (item: unknown) => { key: string; shown: string } | undefined,
  scope: string,
  at: At,
  lineOf: LineOf,
): void {
  if (!Array.isArray(list)) return;
  const seen = new Map<string, number>();
  const last = here[here.length - 1];
  list.forEach((item, j) => {
    const k = key(item);
    if (!k) return;
    const first = seen.get(k.key);
    if (first === undefined) {
      seen.set(k.key, j);
      return;
    }
    const firstAt = field === undefined ? [...here, first] : [...here, first, field];
    at(field === undefined ? [...here, j] : [...here, j, field], `must be unique ${scope}, got ${k.shown} again (first at ${String(last)}[${first}], line ${lineOf(firstAt)})`);
  });
}
