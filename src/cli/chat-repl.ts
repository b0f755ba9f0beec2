import { createInterface, type Interface } from 'node:readline';
import type { ChatMessage, DoneEvent, Engine } from '../engine/index.js';
import { assistantMessage, type ReasoningEffort } from '../harmony/index.js';
import { TurnPrinter, dim, footer } from './chat-render.js';
import { turnOptions, type RunSettings } from './chat-settings.js';
import { withCitations } from './tool-options.js';

const HELP = `Commands:
  /effort low|medium|high   set the reasoning effort (now: EFFORT)
  /clear                    start a new conversation
  /help                     this help
  /exit                     quit (or Ctrl-D on an empty line)
Multi-line input: end a line with \\ to continue it, or put """ on a line to start and end a block.
Ctrl-C stops an answer; at the prompt it clears the line.`;

/** Reads one logical input (joining continued lines and """ blocks); null at end of input. */
class InputReader {
  private readonly queue: string[] = [];
  private waiting: ((line: string | null) => void) | undefined;
  private closed = false;

  constructor(readonly rl: Interface) {
    rl.on('line', (line) => {
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w(line);
      } else this.queue.push(line);
    });
    rl.on('close', () => {
      this.closed = true;
      this.waiting?.(null);
      this.waiting = undefined;
    });
  }

  private nextLine(prompt: string): Promise<string | null> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closed) return Promise.resolve(null);
    this.rl.setPrompt(prompt);
    this.rl.prompt();
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  async read(): Promise<string | null> {
    const first = await this.nextLine('>>> ');
    if (first === null) return null;
    if (first.trim() === '"""') {
      const lines: string[] = [];
      for (;;) {
        const l = await this.nextLine('... ');
        if (l === null || l.trim() === '"""') break;
        lines.push(l);
      }
      return lines.join('\n');
    }
    let text = first;
    while (text.endsWith('\\')) {
      const l = await this.nextLine('... ');
      text = `${text.slice(0, -1)}\n${l ?? ''}`;
      if (l === null) break;
    }
    return text;
  }
}

/** The interactive chat: returns the exit code (0 on /exit or Ctrl-D). */
export async function runRepl(engine: Engine, settings: RunSettings): Promise<number> {
  const out = process.stdout;
  const color = out.isTTY === true && !process.env['NO_COLOR'];
  const rl = createInterface({ input: process.stdin, output: out, terminal: true, historySize: 1000 });
  const input = new InputReader(rl);
  let controller: AbortController | undefined;
  rl.on('SIGINT', () => {
    if (controller) {
      controller.abort();
      return;
    }
    // At the prompt Ctrl-C clears the line, as in a shell.
    rl.write(null, { ctrl: true, name: 'u' });
    out.write(`^C\n${dim('(Ctrl-D or /exit to quit)', color)}\n`);
    rl.prompt();
  });

  let effort: ReasoningEffort = settings.effort;
  let conversation: ChatMessage[] = [];
  out.write(dim(`gpt-oss chat · reasoning effort ${effort} · /help for commands, Ctrl-D to quit\n`, color));
  for (;;) {
    const text = await input.read();
    if (text === null) break;
    const trimmed = text.trim();
    if (trimmed === '') continue;
    if (trimmed.startsWith('/')) {
      const [cmd, ...args] = trimmed.split(/\s+/);
      if (cmd === '/exit' || cmd === '/quit' || cmd === '/bye') break;
      if (cmd === '/help') out.write(`${HELP.replace('EFFORT', effort)}\n`);
      else if (cmd === '/clear') {
        conversation = [];
        for (const t of settings.tools ?? []) await t.reset?.();
        out.write(dim('conversation cleared\n', color));
      } else if (cmd === '/effort') {
        const level = args[0];
        if (level === 'low' || level === 'medium' || level === 'high') {
          effort = level;
          out.write(dim(`reasoning effort: ${effort}\n`, color));
        } else out.write(`usage: /effort low|medium|high (now: ${effort})\n`);
      } else out.write(`unknown command ${cmd}; /help lists the commands\n`);
      continue;
    }

    const messages: ChatMessage[] = [...conversation, { role: 'user', content: text }];
    const printer = new TurnPrinter({ out, reasoning: settings.hideReasoning ? null : out, dim: color, raw: settings.raw });
    controller = new AbortController();
    let done: DoneEvent | undefined;
    try {
      for await (const e of withCitations(engine.chat(messages, { ...turnOptions({ ...settings, effort }, controller.signal) }), settings.tools ?? [])) {
        printer.handle(e);
        if (e.type === 'done') done = e;
      }
    } catch (e) {
      printer.end();
      out.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
      controller = undefined;
      continue;
    }
    controller = undefined;
    printer.end();
    if (done) {
      out.write(`${dim(footer(done), color)}\n`);
      conversation = messages;
      // A finished answer joins the conversation as harmony produced it; a cut-off one as the text shown.
      if (done.reason === 'stop') conversation.push(...done.messages);
      else if (printer.answerText !== '') conversation.push(assistantMessage(printer.answerText, 'final'));
    }
  }
  rl.close();
  out.write('\n');
  return 0;
}
