/**
 * o200k_base pre-tokenization, as tiktoken and openai/harmony define it
 * (src/tiktoken_ext/public_encodings.rs), rewritten for JavaScript's RegExp:
 * - `(?i:'s|'t|...)` becomes explicit case classes (inline modifiers are not in Node 20); the
 *   Rust regex folds `s` with U+017F (long s) under Unicode case-insensitivity, so that is kept.
 * - `\s` becomes `\p{White_Space}`: JS's `\s` adds U+FEFF and the Rust `\s` is White_Space.
 */
const CONTRACTION = "(?:'[sS\\u017F]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?";
const S = '\\p{White_Space}';
const NOT_S = '\\P{White_Space}';

export const O200K_PATTERN = [
  `[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+${CONTRACTION}`,
  `[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*${CONTRACTION}`,
  '\\p{N}{1,3}',
  ` ?[^${S}\\p{L}\\p{N}]+[\\r\\n/]*`,
  `${S}*[\\r\\n]+`,
  `${S}+(?!${NOT_S})`,
  `${S}+`,
].join('|');

/** A fresh global regex (each caller owns its lastIndex). */
export function pretokenizeRegex(): RegExp {
  return new RegExp(O200K_PATTERN, 'gu');
}
