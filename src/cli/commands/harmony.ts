import { InvalidArgumentError } from '../../core/errors.js';
import {
  conversationFromJson,
  isRole,
  messageToJson,
  parseJsonText,
  parseMessagesFromCompletionTokens,
  piecesToText,
  piecesToTokens,
  renderConversationForCompletionPieces,
  renderConversationForTrainingPieces,
  renderConversationPieces,
  ROLES,
  type RenderPiece,
  type Role,
} from '../../harmony/index.js';
import { getTokenizer } from '../../tokenizer/index.js';
import { choiceOption, parseCommandArgs, readStdin } from '../args.js';
import type { Command } from '../command.js';

const USAGE = `
Usage:
  gpt-oss harmony render [--for completion|training|conversation] [--next-role assistant] [--keep-analysis] < conversation.json
  gpt-oss harmony parse [--role assistant] [--non-strict] < ids.json

render  reads harmony JSON {"messages": [...]} and prints {"text": "...", "tokens": [...]}
        (text spells special tokens by name). As openai-harmony's
        render_conversation_for_completion / render_conversation_for_training / render_conversation;
        earlier chain-of-thought is dropped unless --keep-analysis.
parse   reads a JSON array of token ids and prints {"messages": [...]} in harmony JSON, as
        parse_messages_from_completion_tokens(tokens, role, strict). --role names the role the
        prompt already opened (default: none, output starts at <|start|>).
`;

function roleOption(name: string, value: string | undefined): Role | undefined {
  if (value === undefined) return undefined;
  if (!isRole(value)) throw new InvalidArgumentError(`gpt-oss harmony: --${name} must be one of ${ROLES.join(', ')}, got '${value}'`);
  return value;
}

async function render(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('harmony render', argv, {
    for: { type: 'string' },
    'next-role': { type: 'string' },
    'keep-analysis': { type: 'boolean' },
  });
  if (positionals.length > 0) throw new InvalidArgumentError(`gpt-oss harmony render: unexpected argument '${positionals[0]}' (the conversation is read from stdin)`);
  const mode = choiceOption('harmony render', 'for', values.for, ['completion', 'training', 'conversation'] as const, 'completion');
  const nextRole = roleOption('next-role', values['next-role']) ?? 'assistant';
  if (values['next-role'] !== undefined && mode !== 'completion') {
    throw new InvalidArgumentError('gpt-oss harmony render: --next-role only applies to --for completion');
  }
  const conv = conversationFromJson(parseJsonText(await readStdin(), 'stdin'), 'stdin');
  const options = { autoDropAnalysis: values['keep-analysis'] !== true };
  let pieces: RenderPiece[];
  if (mode === 'completion') pieces = renderConversationForCompletionPieces(conv, nextRole, options);
  else if (mode === 'training') pieces = renderConversationForTrainingPieces(conv, options);
  else pieces = renderConversationPieces(conv, options);
  const tokens = piecesToTokens(pieces, getTokenizer());
  process.stdout.write(`${JSON.stringify({ text: piecesToText(pieces), tokens })}\n`);
  return 0;
}

function parseIds(text: string, vocabSize: number): number[] {
  const value = parseJsonText(text, 'stdin');
  if (!Array.isArray(value)) throw new InvalidArgumentError('gpt-oss harmony parse: stdin must be a JSON array of token ids');
  return value.map((id: unknown, i) => {
    if (typeof id !== 'number' || !Number.isInteger(id)) {
      const got = typeof id === 'number' ? String(id) : id === null ? 'null' : Array.isArray(id) ? 'an array' : `a ${typeof id}`;
      throw new InvalidArgumentError(`gpt-oss harmony parse: stdin[${i}] must be an integer token id, got ${got}`);
    }
    if (id < 0 || id >= vocabSize) {
      throw new InvalidArgumentError(`gpt-oss harmony parse: token id ${id} at stdin[${i}] is outside the o200k_harmony vocabulary (0..${vocabSize - 1})`);
    }
    return id;
  });
}

async function parse(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('harmony parse', argv, {
    role: { type: 'string' },
    'non-strict': { type: 'boolean' },
  });
  if (positionals.length > 0) throw new InvalidArgumentError(`gpt-oss harmony parse: unexpected argument '${positionals[0]}' (the ids are read from stdin)`);
  const role = roleOption('role', values.role);
  const tokenizer = getTokenizer();
  const ids = parseIds(await readStdin(), tokenizer.vocabSize);
  const messages = parseMessagesFromCompletionTokens(ids, role, { strict: values['non-strict'] !== true, tokenizer });
  process.stdout.write(`${JSON.stringify({ messages: messages.map(messageToJson) })}\n`);
  return 0;
}

export const harmonyCommand: Command = {
  name: 'harmony',
  summary: 'Render conversations to tokens and parse tokens to messages (harmony)',
  usage: USAGE,
  async run(argv: string[]): Promise<number> {
    // The subcommand may come after options (`harmony --role assistant parse`): find it, skipping option values.
    const takesValue = new Set(['--for', '--next-role', '--role']);
    let at = 0;
    while (at < argv.length && argv[at]!.startsWith('-')) at += takesValue.has(argv[at]!) ? 2 : 1;
    const sub = argv[at];
    const rest = [...argv.slice(0, at), ...argv.slice(at + 1)];
    if (sub === 'render') return render(rest);
    if (sub === 'parse') return parse(rest);
    throw new InvalidArgumentError(
      sub === undefined ? "gpt-oss harmony: expected a subcommand, 'render' or 'parse' (see 'gpt-oss harmony --help')" : `gpt-oss harmony: unknown subcommand '${sub}' (expected 'render' or 'parse')`,
    );
  },
};
