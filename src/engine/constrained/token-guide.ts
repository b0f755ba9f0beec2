/** What the guide allows at one step of the token loop. */
export type GuideStep =
  /** Exactly this token (not sampled: the format leaves no choice, or the engine injects it). */
  | { kind: 'forced'; token: number }
  /** Only these ids. */
  | { kind: 'ids'; ids: Int32Array }
  /** Only the ids the mask sets. */
  | { kind: 'mask'; mask: Uint8Array }
  /**
   * Almost everything is allowed (free text): sample without a mask, and only when `allows` rejects
   * the pick, sample again under `mask` (exact for the distribution the mask leaves, and cheap).
   */
  | { kind: 'prefer'; allows: (token: number) => boolean; mask: Uint8Array }
  /** No next message fits in the tokens left: end here (the loop ends with reason 'length'). */
  | { kind: 'stop' };

/** A per-step constraint on the token loop, advanced with every token the loop emits. */
export interface TokenGuide {
  /** `tokensLeft`: tokens that can still be emitted, this one included. */
  next(tokensLeft: number): GuideStep;
  accept(token: number): void;
}
