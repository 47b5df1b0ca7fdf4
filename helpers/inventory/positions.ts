// js-yaml's load() returns plain values without positions, so the parser's event stream is walked
// once to map each JSON pointer (`/nodes/2/ssh/port`) to where its key and its value start.
// The same walk finds repeated keys, which load() would only report one at a time.
import { EVENT_ID, SCALAR_STYLE, getScalarValue } from "js-yaml";
import type { Event } from "js-yaml";

export interface Pos {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

export type Segment = string | number;

export interface DuplicateKey {
  /** Pointer of the repeated entry. */
  pointer: string;
  key: string;
  at: Pos;
  first: Pos;
}

export interface SourceMap {
  /** Where the value at `pointer` starts; the nearest mapped ancestor when it has no position
   * of its own (an empty scalar, content reached through an alias). */
  value(pointer: string): Pos;
  /** Where the key naming `pointer` starts; the value's position for sequence items and the root. */
  key(pointer: string): Pos;
  documents: number;
  /** Start of the second document, when there is one. */
  secondDocument?: Pos;
  duplicateKeys: DuplicateKey[];
}

export function toPointer(segments: readonly Segment[]): string {
  return segments.map((s) => `/${String(s).replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
}

/** `nodes[2].ssh.port`; keys that are not identifiers are quoted: `defaults["odd key"]`. */
export function displayPath(segments: readonly Segment[]): string {
  if (segments.length === 0) return "(root)";
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** Pointer → segments, typing a segment as an index where the data there is a list. */
export function pointerSegments(pointer: string, data: unknown): Segment[] {
  if (pointer === "") return [];
  const segments: Segment[] = [];
  let here: unknown = data;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(here) && /^\d+$/.test(key)) {
      segments.push(Number(key));
      here = here[Number(key)];
    } else {
      segments.push(key);
      here = here !== null && typeof here === "object" ? (here as Record<string, unknown>)[key] : undefined;
    }
  }
  return segments;
}

export function offsetToPos(lineStarts: readonly number[], offset: number): Pos {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - lineStarts[lo]! + 1 };
}

export function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

type Frame =
  | { kind: "doc"; pointer: string }
  // pointer null: inside a complex (non-scalar) key, which no JSON pointer can name.
  | { kind: "seq"; pointer: string | null; index: number }
  | {
      kind: "map";
      pointer: string | null;
      /** undefined: the next node is a key; null: the pending key was not a scalar. */
      pendingKey: { text: string; offset: number } | null | undefined;
      seen: Map<string, number>;
    };

/** Start offset of an event's node; quoted scalars start at their opening quote. */
function startOffset(e: Event): number {
  switch (e.type) {
    case EVENT_ID.MAPPING:
    case EVENT_ID.SEQUENCE:
      return e.start;
    case EVENT_ID.SCALAR:
      if (e.valueStart < 0) return -1;
      return e.style === SCALAR_STYLE.SINGLE_QUOTED || e.style === SCALAR_STYLE.DOUBLE_QUOTED
        ? e.valueStart - 1
        : e.valueStart;
    case EVENT_ID.ALIAS:
      return e.anchorStart - 1; // the `*`
    default:
      return -1;
  }
}

export function mapSource(text: string, events: readonly Event[]): SourceMap {
  const lineStarts = lineStartsOf(text);
  const pos = (offset: number) => offsetToPos(lineStarts, offset);
  const values = new Map<string, number>();
  const keys = new Map<string, number>();
  const duplicateKeys: DuplicateKey[] = [];
  const stack: Frame[] = [];
  let documents = 0;
  let secondDocument: Pos | undefined;
  let awaitingSecondStart = false;

  for (const e of events) {
    if (e.type === EVENT_ID.DOCUMENT) {
      documents++;
      if (documents === 2) awaitingSecondStart = true;
      stack.push({ kind: "doc", pointer: "" });
      continue;
    }
    if (e.type === EVENT_ID.POP) {
      stack.pop();
      continue;
    }
    const offset = startOffset(e);
    if (awaitingSecondStart && offset >= 0) {
      secondDocument = pos(offset);
      awaitingSecondStart = false;
    }
    if (documents > 1) continue; // only the first document is mapped; a second one is an error

    const top = stack[stack.length - 1];
    let pointer: string | null = null;
    let keyOffset = -1;
    if (!top || top.kind === "doc") {
      pointer = "";
    } else if (top.kind === "seq") {
      pointer = top.pointer === null ? null : `${top.pointer}/${top.index}`;
      top.index++;
    } else if (top.pendingKey === undefined) {
      // This node is a key.
      if (e.type === EVENT_ID.SCALAR) {
        const key = getScalarValue(text, e);
        top.pendingKey = { text: key, offset };
        const first = top.seen.get(key);
        if (first !== undefined && top.pointer !== null) {
          duplicateKeys.push({ pointer: `${top.pointer}${toPointer([key])}`, key, at: pos(offset), first: pos(first) });
        }
        top.seen.set(key, offset);
        continue;
      }
      top.pendingKey = null;
      if (e.type === EVENT_ID.MAPPING || e.type === EVENT_ID.SEQUENCE) {
        stack.push(e.type === EVENT_ID.MAPPING ? newMap(null) : { kind: "seq", pointer: null, index: 0 });
      }
      continue;
    } else {
      const key = top.pendingKey;
      top.pendingKey = undefined;
      if (key && top.pointer !== null) {
        pointer = `${top.pointer}${toPointer([key.text])}`;
        keyOffset = key.offset;
      }
    }

    if (pointer !== null) {
      // A repeated key overwrites: load() is told to keep the last value, so positions follow it.
      if (offset >= 0) values.set(pointer, offset);
      else values.delete(pointer);
      if (keyOffset >= 0) keys.set(pointer, keyOffset);
    }
    if (e.type === EVENT_ID.MAPPING) stack.push(newMap(pointer));
    else if (e.type === EVENT_ID.SEQUENCE) stack.push({ kind: "seq", pointer, index: 0 });
  }

  const nearest = (pointer: string): Pos => {
    for (let p = pointer; ; p = p.slice(0, p.lastIndexOf("/"))) {
      const own = values.get(p) ?? keys.get(p);
      if (own !== undefined) return pos(own);
      if (p === "") return { line: 1, column: 1 };
    }
  };
  return {
    value: nearest,
    key: (pointer) => {
      const k = keys.get(pointer);
      return k === undefined ? nearest(pointer) : pos(k);
    },
    documents,
    ...(secondDocument ? { secondDocument } : {}),
    duplicateKeys,
  };
}

function newMap(pointer: string | null): Frame {
  return { kind: "map", pointer, pendingKey: undefined, seen: new Map() };
}

