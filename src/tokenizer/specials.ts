/**
 * The o200k_harmony special tokens, as openai/harmony names them
 * (src/tiktoken_ext/public_encodings.rs). Every id from 199998 to the end of the vocabulary is
 * special; those without a harmony role are `<|reserved_N|>` (200018 included: harmony has no
 * `<|endofprompt|>`).
 */
export const VOCAB_SIZE = 201088;
export const FIRST_SPECIAL_ID = 199998;

/** The one table of named special tokens (harmony's TOKEN_IDS are read from it). */
export const NAMED_SPECIALS = {
  '<|startoftext|>': 199998,
  '<|endoftext|>': 199999,
  '<|return|>': 200002,
  '<|constrain|>': 200003,
  '<|channel|>': 200005,
  '<|start|>': 200006,
  '<|end|>': 200007,
  '<|message|>': 200008,
  '<|call|>': 200012,
} as const satisfies Readonly<Record<string, number>>;

export interface SpecialTable {
  readonly nameToId: ReadonlyMap<string, number>;
  /** Names indexed by id - FIRST_SPECIAL_ID. */
  readonly names: readonly string[];
}

export function buildSpecialTable(): SpecialTable {
  const names: string[] = [];
  for (let id = FIRST_SPECIAL_ID; id < VOCAB_SIZE; id++) names.push(`<|reserved_${id}|>`);
  for (const [name, id] of Object.entries(NAMED_SPECIALS)) names[id - FIRST_SPECIAL_ID] = name;
  const nameToId = new Map<string, number>();
  names.forEach((name, i) => nameToId.set(name, FIRST_SPECIAL_ID + i));
  return { nameToId, names };
}
