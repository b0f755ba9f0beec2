import { InvalidArgumentError } from '../../core/errors.js';
import type { JsonValue, Message, ToolNamespaces } from '../../harmony/index.js';
import type { Tokenizer } from '../../tokenizer/types.js';
import { FREE, type ContentGrammar, type ContentRule } from './content-rule.js';
import { headerSet, type CallTarget, type HeaderSetSpec } from './header-set.js';
import { TokenIndex } from './token-index.js';
import { TurnGuide, type RoundSets, type TurnCounters } from './turn-guide.js';

export type ResponseFormat =
  | { type: 'json_schema'; schema: JsonValue; name?: string; strict?: boolean }
  | { type: 'json_object' }
  | { type: 'text' };

/** `none`: no call; `auto`: the model decides; `required`: the first action after reasoning is a call; `{name}`: a call to that tool. */
export type ToolChoice = 'none' | 'auto' | 'required' | { name: string };

export interface ConstraintOptions {
  /** The answer's format: JSON matching a schema, any JSON object, or text (default). */
  responseFormat?: ResponseFormat;
  /** Which tool calls may be made (default 'auto'). Applies to the first round of a turn; later rounds are 'auto'. */
  toolChoice?: ToolChoice;
  /** Most analysis-channel (reasoning) tokens in the turn; then the answer is opened. 0 skips reasoning. */
  reasoningBudget?: number;
  /**
   * Only valid harmony may be sampled: declared channels and recipients, the right message ends
   * (default true). A response format, a tool choice other than auto, or a reasoning budget need
   * the structure and turn it on.
   */
  harmonyStructure?: boolean;
}

/** Grammars for content, compiled by the grammar engine (and cached by content). */
export interface GrammarSource {
  /** `where` names the option, for errors (e.g. `responseFormat.schema`). */
  schema(schema: JsonValue, where: string): ContentGrammar;
  anyObject(): ContentGrammar;
}

const DEFAULT_CHANNELS = ['analysis', 'commentary', 'final'];

/**
 * What a turn may emit, decided once from the rendered conversation (its declared channels,
 * function tools and built-in tools) and the constraint options; hands each round its guide.
 */
export class TurnPlan {
  private constructor(
    private readonly tokenizer: Tokenizer,
    private readonly channels: readonly string[],
    private readonly calls: readonly CallTarget[],
    private readonly forced: readonly CallTarget[] | undefined,
    private readonly toolChoiceNone: boolean,
    private readonly finalContent: ContentRule,
    private readonly reasoningBudget: number | undefined,
  ) {}

  /** The plan, or undefined when nothing is constrained (harmonyStructure false and no other option). */
  static create(
    conversation: readonly Message[],
    options: ConstraintOptions & { tools?: readonly { name: string; strict?: boolean }[] },
    tokenizer: Tokenizer,
    grammars: () => GrammarSource,
  ): TurnPlan | undefined {
    const { responseFormat, toolChoice, reasoningBudget } = options;
    if (reasoningBudget !== undefined && (!Number.isInteger(reasoningBudget) || reasoningBudget < 0)) {
      throw new InvalidArgumentError(`reasoningBudget must be an integer >= 0, got ${String(reasoningBudget)}`);
    }
    checkToolChoice(toolChoice);
    const finalFormat = checkResponseFormat(responseFormat);
    const needed = finalFormat !== 'text' || (toolChoice !== undefined && toolChoice !== 'auto') || reasoningBudget !== undefined;
    if (options.harmonyStructure === false && !needed) return undefined;

    const system = conversation.find((m) => m.author.role === 'system');
    const sys = system?.content.find((c) => c.type === 'system_content');
    const declared = sys?.type === 'system_content' && sys.channel_config?.valid_channels.length ? sys.channel_config.valid_channels : DEFAULT_CHANNELS;
    const channels = DEFAULT_CHANNELS.filter((c) => declared.includes(c));
    const developer = conversation.find((m) => m.author.role === 'developer');
    const dev = developer?.content.find((c) => c.type === 'developer_content');

    // Compiled on first need only: a plain chat never builds the grammar vocabulary.
    let g: GrammarSource | undefined;
    const source = (): GrammarSource => (g ??= grammars());
    const strictOf = new Map((options.tools ?? []).map((t) => [t.name, t.strict !== false]));
    const calls: CallTarget[] = [];
    for (const tool of (dev?.type === 'developer_content' ? dev.tools?.['functions']?.tools : undefined) ?? []) {
      const strict = strictOf.get(tool.name) ?? true;
      // A tool whose parameters are a bare string (the reference's apply_patch) takes its argument as
      // raw text, not as a JSON value: only its header and <|call|> are constrained.
      const content: ContentRule = isRawTextParameters(tool.parameters)
        ? FREE
        : { kind: 'grammar', grammar: tool.parameters !== undefined && strict ? source().schema(tool.parameters, `tools[${tool.name}].parameters`) : source().anyObject() };
      calls.push({ recipient: `functions.${tool.name}`, channels: ['commentary'], builtin: false, content });
    }
    for (const recipient of builtinRecipients(sys?.type === 'system_content' ? sys.tools : undefined)) {
      calls.push({ recipient, channels: ['analysis', 'commentary'].filter((c) => channels.includes(c)), builtin: true, content: FREE });
    }

    let forced: CallTarget[] | undefined;
    if (toolChoice === 'required') {
      if (calls.length === 0) throw new InvalidArgumentError("toolChoice 'required' needs at least one tool, and none was given");
      forced = calls;
    } else if (typeof toolChoice === 'object') {
      const name = toolChoice.name;
      const target = calls.find((c) => c.recipient === name || c.recipient === `functions.${name}`);
      if (target === undefined) {
        const names = calls.map((c) => c.recipient.replace(/^functions\./, '')).join(', ') || 'none';
        throw new InvalidArgumentError(`toolChoice.name: no tool named '${name}' (tools: ${names})`);
      }
      forced = [target];
    }
    let finalContent = FREE;
    if (responseFormat?.type === 'json_schema') finalContent = { kind: 'grammar', grammar: source().schema(responseFormat.schema, 'responseFormat.schema') };
    else if (responseFormat?.type === 'json_object') finalContent = { kind: 'grammar', grammar: source().anyObject() };
    return new TurnPlan(tokenizer, channels, calls, forced, toolChoice === 'none', finalContent, reasoningBudget);
  }

  /** The round's answer must be complete within the token limit (a schema's JSON, or a forced call). */
  mustComplete(round: number): boolean {
    return (round === 0 && this.forced !== undefined) || this.finalContent.kind === 'grammar';
  }

  /** The guide of round `round` (0 for the first; after each tool result the next). */
  guide(round: number, counters: TurnCounters): TurnGuide {
    const index = TokenIndex.of(this.tokenizer);
    return new TurnGuide(this.roundSets(round), counters, { vocabSize: this.tokenizer.vocabSize, firstSpecial: index.firstSpecial });
  }

  private roundSets(round: number): RoundSets {
    const forced = round === 0 ? this.forced : undefined;
    const calls = this.toolChoiceNone ? [] : forced ?? this.calls;
    // The answer must be complete within the limit when it is a schema's JSON or a forced call.
    const mustComplete = this.mustComplete(round);
    const stopLeafCost = mustComplete ? 1 : 0;
    const afterSpec: HeaderSetSpec = {
      plainChannels: forced ? [] : ['final'],
      calls: forced ?? [],
      finalContent: this.finalContent,
      endLeafCost: 0,
      stopLeafCost,
    };
    const afterBudget = headerSet(this.tokenizer, afterSpec);
    const closeLen = mustComplete ? afterBudget.trie.minNeed(afterBudget.next) : 0;
    const plainChannels = this.channels.filter((c) => {
      if (c === 'analysis') return this.reasoningBudget !== 0;
      if (c === 'commentary') return forced === undefined && calls.length > 0;
      return forced === undefined;
    });
    const main = headerSet(this.tokenizer, {
      plainChannels,
      calls,
      finalContent: this.finalContent,
      endLeafCost: mustComplete ? 1 + closeLen : 0,
      stopLeafCost,
    });
    return { main, afterBudget, reasoningBudget: this.reasoningBudget };
  }
}

/** `browser.search`, `browser.open`, ... for a namespace with tools; the namespace itself (`python`) for one without. */
function builtinRecipients(tools: ToolNamespaces | undefined): string[] {
  const out: string[] = [];
  for (const [ns, config] of Object.entries(tools ?? {})) {
    if (config.tools.length === 0) out.push(ns);
    else for (const t of config.tools) out.push(`${ns}.${t.name}`);
  }
  return out;
}

function checkToolChoice(choice: unknown): void {
  if (choice === undefined || choice === 'none' || choice === 'auto' || choice === 'required') return;
  if (typeof choice === 'object' && choice !== null && typeof (choice as { name?: unknown }).name === 'string' && (choice as { name: string }).name !== '') return;
  throw new InvalidArgumentError(`toolChoice must be 'none', 'auto', 'required' or { name: string }, got ${JSON.stringify(choice)}`);
}

function checkResponseFormat(format: unknown): 'text' | 'json' {
  if (format === undefined) return 'text';
  const type = typeof format === 'object' && format !== null ? (format as { type?: unknown }).type : undefined;
  if (type === 'text') return 'text';
  if (type === 'json_object') return 'json';
  if (type === 'json_schema') {
    const schema = (format as { schema?: unknown }).schema;
    if (typeof schema !== 'boolean' && (typeof schema !== 'object' || schema === null || Array.isArray(schema))) {
      throw new InvalidArgumentError(`responseFormat.schema must be a JSON Schema (an object), got ${JSON.stringify(schema) ?? 'nothing'}`);
    }
    return 'json';
  }
  throw new InvalidArgumentError(`responseFormat.type must be 'json_schema', 'json_object' or 'text', got ${JSON.stringify(type) ?? 'nothing'}`);
}

function isRawTextParameters(parameters: unknown): boolean {
  return typeof parameters === 'object' && parameters !== null && (parameters as { type?: unknown }).type === 'string';
}
