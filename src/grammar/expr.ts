/**
 * Grammar expressions over bytes: what the schema compiler produces and the NFA builder
 * consumes. `call` names another rule (kept as a pushdown call only where rules recurse);
 * `build` lets a compiler wire states directly when a tree would duplicate work.
 */
export type Expr =
  | { readonly k: 'bytes'; readonly lo: number; readonly hi: number }
  | { readonly k: 'seq'; readonly items: readonly Expr[] }
  | { readonly k: 'alt'; readonly items: readonly Expr[] }
  | { readonly k: 'rep'; readonly item: Expr; readonly min: number; readonly max: number }
  | { readonly k: 'call'; readonly rule: number }
  | { readonly k: 'build'; readonly build: (b: ExprWiring, from: number) => number };

/** What a `build` expression may do: make states, add edges, and emit nested expressions. */
export interface ExprWiring {
  state(): number;
  byte(from: number, lo: number, hi: number, to: number): void;
  eps(from: number, to: number): void;
  emit(e: Expr, from: number): number;
  /** Emit `e` ending in the given state. */
  emitTo(e: Expr, from: number, to: number): void;
}

export const EMPTY: Expr = { k: 'seq', items: [] };
export const NOTHING: Expr = { k: 'alt', items: [] };

export function byteRange(lo: number, hi: number): Expr {
  return { k: 'bytes', lo, hi };
}

export function seq(...items: Expr[]): Expr {
  const flat: Expr[] = [];
  for (const it of items) {
    if (it.k === 'seq') flat.push(...it.items);
    else flat.push(it);
  }
  return flat.length === 1 ? flat[0]! : { k: 'seq', items: flat };
}

export function alt(...items: Expr[]): Expr {
  const flat: Expr[] = [];
  for (const it of items) {
    if (it.k === 'alt') flat.push(...it.items);
    else flat.push(it);
  }
  return flat.length === 1 ? flat[0]! : { k: 'alt', items: flat };
}

export function rep(item: Expr, min: number, max: number): Expr {
  return { k: 'rep', item, min, max };
}

export function opt(item: Expr): Expr {
  return rep(item, 0, 1);
}

export function call(rule: number): Expr {
  return { k: 'call', rule };
}

const encoder = new TextEncoder();

/** The UTF-8 bytes of `text`, in order. */
export function literal(text: string): Expr {
  return bytesLiteral(encoder.encode(text));
}

export function bytesLiteral(bytes: Uint8Array): Expr {
  return seq(...Array.from(bytes, (b) => byteRange(b, b)));
}

/** One of a set of byte ranges given as [lo, hi] pairs. */
export function byteSet(ranges: readonly (readonly [number, number])[]): Expr {
  return alt(...ranges.map(([lo, hi]) => byteRange(lo, hi)));
}
