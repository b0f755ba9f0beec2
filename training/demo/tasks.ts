/**
 * The demo model's synthetic task families. Each example is one conversation: optional earlier turns
 * (plain messages, as a chat client sends them), the last user message, and what the assistant does
 * in its turn (analysis, tool call, tool output, analysis, final), plus what an evaluation expects.
 * Phrasings and argument values are split into a training part and a held-out part, so the
 * evaluation asks questions the model has not seen written that way.
 */
import type { JsonValue, ReasoningEffort } from '../../src/harmony/index.js';
import type { PlainMessage } from '../../src/engine/messages.js';
import { madeUpNames } from './names.js';
import { CAPITALS, CITIES, CURRENCIES, SEARCH_MODIFIERS, SEARCH_SUBJECTS } from './tables.js';
import { Rng } from './rng.js';

export type Split = 'train' | 'heldout';
export type Family =
  | 'arithmetic'
  | 'arithmetic_drill'
  | 'repeat'
  | 'repeat_names'
  | 'json_list'
  | 'numbers'
  | 'calculator'
  | 'capital'
  | 'capital_reverse'
  | 'weather'
  | 'time'
  | 'currency'
  | 'search'
  | 'greeting'
  | 'thanks'
  | 'follow_up'
  | 'no_tool_available';

export interface ToolSpec {
  name: string;
  description: string;
  parameters: JsonValue;
}

export type Step =
  | { kind: 'analysis'; text: string }
  | { kind: 'call'; name: string; args: Record<string, JsonValue> }
  | { kind: 'tool'; name: string; output: string }
  | { kind: 'final'; text: string };

export interface Expect {
  /** The function the model should call, or undefined when no call is wanted. */
  tool?: string;
  args?: Record<string, JsonValue>;
  /** What the tool returns in the evaluation. */
  toolOutput?: string;
  /** The final answer must contain each of these (case-insensitive). */
  answer: string[];
}

export interface Example {
  family: Family;
  effort: ReasoningEffort;
  date: string;
  instructions?: string;
  tools: ToolSpec[];
  history: PlainMessage[];
  user: string;
  steps: Step[];
  expect: Expect;
  /** Train on the content of the earlier assistant answers too (drills: many facts per conversation). */
  trainHistory?: boolean;
  /** For tool arguments naming a place: a real city or a made-up name (the evaluation reports both). */
  place?: 'real' | 'made_up';
}

/** A list whose last `heldout` entries are only used for evaluation. */
function split<T>(items: readonly T[], heldout: number): Record<Split, readonly T[]> {
  return { train: items.slice(0, items.length - heldout), heldout: items.slice(items.length - heldout) };
}

const cities = split(CITIES, Math.floor(CITIES.length / 5));

// ---------------------------------------------------------------- phrasings
const P = {
  capital: split(
    [
      'What is the capital of {c}?', "What's the capital of {c}?", 'capital of {c}?', 'Tell me the capital of {c}.',
      'Which city is the capital of {c}?', 'What city is the capital of {c}?', 'Name the capital of {c}.',
      'Do you know the capital of {c}?', 'What is the capital city of {c}?', 'Capital of {c}', "What's {c}'s capital?",
      'I need the capital of {c}.', 'Can you tell me what the capital of {c} is?', 'which city is {c}’s capital',
      'Quick question: what is the capital of {c}?', 'Where is the seat of government of {c}?',
      // held out
      'Could you name the capital city of {c}?', "What is {c}'s capital city?", 'Please tell me the capital of {c}.',
      'capital city of {c}?',
    ],
    4,
  ),
  capitalReverse: split(
    [
      'Which country has {x} as its capital?', '{x} is the capital of which country?', 'What country is {x} the capital of?',
      'Of which country is {x} the capital?', '{x} is the capital of what country?', 'Which country is {x} the capital of?',
      'Tell me which country has its capital in {x}.', 'Whose capital is {x}?',
      // held out
      'Which nation has {x} as its capital city?', 'What country has its capital at {x}?', '{x} is the capital city of which country?',
    ],
    3,
  ),
  arithmetic: split(
    [
      'What is {e}?', "What's {e}?", '{e} = ?', 'Compute {e}.', 'Calculate {e}.', '{e}', 'How much is {e}?', 'What does {e} equal?',
      'Please work out {e}.', 'Can you tell me what {e} is?', 'Solve {e}.', 'quick math: {e}', 'What do you get for {e}?',
      // held out
      'Could you compute {e} for me?', 'Tell me the result of {e}.', 'Work out {e}, please.', 'What is the value of {e}?',
    ],
    4,
  ),
  weather: split(
    [
      "What's the weather in {city}?", 'What is the weather like in {city}?', 'How is the weather in {city} today?',
      'Is it cold in {city} right now?', 'Weather in {city}?', 'Tell me the current weather in {city}.', 'Is it raining in {city}?',
      "What's it like outside in {city}?", 'How warm is it in {city}?', 'Check the weather for {city}.',
      "What's the temperature in {city}?", 'Give me the weather forecast for {city}.',
      // held out
      'Can you look up the weather in {city}?', 'I am flying to {city}; what is the weather there?', 'How hot is it in {city} now?',
    ],
    3,
  ),
  weatherUnit: split(
    [
      "What's the weather in {city} in {unit}?", 'Temperature in {city} in {unit}, please.', 'How warm is it in {city}? Use {unit}.',
      'Weather for {city} in degrees {unit}?', 'Tell me the temperature in {city} in {unit}.',
      // held out
      'What is the weather in {city}? Answer in {unit}.', 'Check {city} weather in {unit}.',
    ],
    2,
  ),
  time: split(
    [
      'What time is it in {city}?', 'What is the current time in {city}?', 'Current time in {city}?', 'Tell me the time in {city}.',
      "What's the local time in {city}?", 'Do you know what time it is in {city}?', 'time in {city}?', 'Check the clock in {city}.',
      'What hour is it in {city} now?',
      // held out
      'Could you tell me the local time in {city}?', 'I need the current time in {city}.', 'What is the time right now in {city}?',
    ],
    3,
  ),
  currency: split(
    [
      'Convert {amount} {from} to {to}.', 'How much is {amount} {from} in {to}?', 'What is {amount} {from} in {to}?',
      '{amount} {from} to {to}?', 'Please convert {amount} {from} into {to}.', 'Exchange {amount} {from} to {to}.',
      'How many {to} do I get for {amount} {from}?', 'Change {amount} {from} into {to} for me.',
      // held out
      'Could you convert {amount} {from} to {to}?', 'What do {amount} {from} come to in {to}?', 'I have {amount} {from}; how much is that in {to}?',
    ],
    3,
  ),
  search: split(
    [
      'Search the web for {q}.', 'Search for {q}.', 'Look up {q}.', 'Find {q} for me.', 'Can you search for {q}?', 'Google {q}.',
      'Do a web search for {q}.', 'Please look up {q}.', 'Find information about {q}.', 'search: {q}',
      // held out
      'Could you find {q} online?', 'I want to find {q}. Search for it.', 'Run a search for {q}.',
    ],
    3,
  ),
  calculator: split(
    [
      'What is {e}?', 'Calculate {e}.', 'Compute {e}.', '{e} = ?', "What's {e}?", 'How much is {e}?', 'Work out {e}.',
      'Can you calculate {e}?', 'Use the calculator for {e}.', '{e}',
      // held out
      'Could you compute {e} for me?', 'Tell me the result of {e}.', 'What is the value of {e}?',
    ],
    3,
  ),
  repeat: split(
    [
      'Repeat after me: {x}', 'Say "{x}".', 'Please repeat: {x}', 'Echo this back: {x}', 'Can you say {x}?', 'Repeat this: {x}',
      'Write {x}.', 'Just say {x}', 'Say {x}, please.', 'repeat {x}',
      // held out
      'Say this back to me: {x}', 'Could you repeat {x}?',
    ],
    2,
  ),
  jsonList: split(
    [
      'Make a JSON array of these places: {x}', 'Put {x} in a JSON list.', 'As a JSON array of strings: {x}', 'JSON list: {x}',
      'Write {x} as a JSON array.', 'Turn {x} into a JSON array, please.', 'Give me a JSON list of {x}.',
      // held out
      'Format {x} as a list in JSON.', 'I need {x} as a JSON array.',
    ],
    2,
  ),
  numbers: split(
    [
      'Repeat these numbers: {x}', 'Copy these numbers: {x}', 'Write back {x}.', 'Please repeat the numbers {x}.',
      'Say these numbers back: {x}', 'Numbers: {x}. Repeat them.', 'Echo {x}', 'Write down {x}.',
      // held out
      'Could you write {x} back to me?', 'Repeat the following numbers: {x}',
    ],
    2,
  ),
  greeting: split(['Hi!', 'Hello', 'Hey there', 'Good morning!', 'hi', 'Hello!', 'Hey', 'Good evening', 'Howdy!', 'Hi there!', 'Greetings!', 'Hey, how are you?', 'Good afternoon', 'yo'], 3),
  thanks: split(['Thanks!', 'Thank you.', 'thanks', 'Great, thank you!', 'Perfect, thanks.', 'Thanks a lot!', 'Cheers!', 'Thank you so much!', 'ok thanks', 'Much appreciated.', 'Thanks, that helps.'], 3),
  followCapital: split(['And of {c}?', 'What about {c}?', 'And {c}?', 'How about {c}?', 'And for {c}?', 'Same for {c}?', 'And the capital of {c}?', 'Now {c}.', 'And what about {c}?'], 2),
  followCity: split(['And in {city}?', 'What about {city}?', 'And {city}?', 'How about {city}?', 'Same for {city}?', 'Now {city}.', 'And for {city}?'], 2),
};

/**
 * More training phrasings, from v7 on. The held-out phrasings of the model before v7 were its weakest
 * spot: on prompts drawn as the training data is, stage 6 had the right argument values on 77% of
 * tool prompts (follow-ups 3/3, time 15/15), on held-out phrasings 57% (0/3, 10/15). A list of a dozen
 * phrasings is learned as a table; more of them, written in other ways, teach the request instead.
 * None of these is a held-out phrasing (`test/model/demo-data.test.ts`).
 */
const MORE_PHRASINGS: Partial<Record<keyof typeof P, readonly string[]>> = {
  weather: [
    'Weather for {city}, please.', 'Is it sunny in {city}?', 'Do I need an umbrella in {city} today?', 'How is it outside in {city}?',
    'What are the conditions in {city} right now?', 'weather {city}', 'Any idea what the weather is doing in {city}?',
    'Please check the current weather in {city}.', 'I want to know the weather in {city}.', 'Is it windy in {city} today?',
    'Tell me how cold it is in {city}.', 'What is the forecast in {city}?', 'Before I go out: weather in {city}?',
  ],
  time: [
    'Time in {city}, please.', 'What time is it now in {city}?', 'Please check the time in {city}.', 'local time {city}',
    'Is it morning or evening in {city} right now?', 'What does the clock say in {city}?', 'I want to know the time in {city}.',
    'Give me the time in {city}.', 'What is the hour in {city}?', 'Do you have the current time for {city}?',
  ],
  search: [
    'Find me {q}.', 'Please search for {q}.', 'I am looking for {q}.', 'Search {q}', 'Look for {q} on the web.', 'web search: {q}',
    'Can you look up {q} for me?', 'Show me results for {q}.', 'Help me find {q}.', 'I need {q}. Please search.', 'Get me results for {q}.',
    'Search the internet for {q}, please.', 'What can you find about {q}?',
  ],
  calculator: [
    'Please compute {e}.', 'What does {e} come to?', 'Give me the answer to {e}.', 'I need {e} worked out.', 'calc {e}',
    'Evaluate {e}.', 'Find {e}.', 'How much does {e} make?', 'Solve {e} with the calculator.', '{e}?',
  ],
  currency: [
    'Convert {amount} {from} into {to}, please.', '{amount} {from} in {to}?', 'How much {to} is {amount} {from}?',
    'I need {amount} {from} converted to {to}.', 'What is {amount} {from} worth in {to}?', 'Turn {amount} {from} into {to}.',
  ],
  followCity: ['What about in {city}?', 'And the weather in {city}?', 'Then {city}?', 'Also {city}?', 'Now for {city}.', 'OK, and {city}?'],
  followCapital: ['What about the capital of {c}?', 'Then {c}?', 'Also {c}?', 'Now for {c}.', 'OK, and {c}?'],
  repeat: ['Copy this: {x}', 'Please say {x}.', 'Write back {x}', 'Say after me: {x}'],
};

/**
 * From v9, direct arithmetic gets the calculator's added phrasings too (but the one naming the tool):
 * trained with them for the calculator alone, v8's model called a tool for 6 - 1 asked in a new way
 * (7% spurious calls). The size of the numbers, not the wording, decides whether a tool is needed.
 */
const MORE_ARITHMETIC = MORE_PHRASINGS.calculator!.filter((t) => !t.includes('calculator'));

/** The phrasings of `key` in a split: from v7 on, training has MORE_PHRASINGS too. */
function phrasings(key: keyof typeof P, splitName: Split): readonly string[] {
  const more = splitName !== 'train' ? undefined : key === 'arithmetic' ? (mixFrom(9) ? MORE_ARITHMETIC : undefined) : mixFrom(7) ? MORE_PHRASINGS[key] : undefined;
  return more ? [...P[key][splitName], ...more] : P[key][splitName];
}

/** Every phrasing training can use and every held-out one, for the test that they do not overlap. */
export function phrasingSplits(): { train: string[]; heldout: string[] } {
  const keys = Object.keys(P) as (keyof typeof P)[];
  return {
    train: [...keys.flatMap((k) => [...P[k].train, ...(MORE_PHRASINGS[k] ?? [])]), ...MORE_ARITHMETIC],
    heldout: keys.flatMap((k) => [...P[k].heldout]),
  };
}

const INSTRUCTIONS = [
  'You are a helpful assistant.', 'Answer concisely.', 'Be friendly and brief.', 'You are a helpful assistant. Use the tools when they help.',
  'Keep answers short.', 'You help users with quick questions.', 'Reply in one sentence when you can.',
];

// ---------------------------------------------------------------- tools, as different users would declare them
const TOOL_VARIANTS: Record<string, (rng: Rng) => ToolSpec> = {
  get_weather: (rng) => {
    const withUnit = rng.chance(0.7);
    const locDesc = rng.pick(['The city to get the weather for', 'City name, e.g. Paris', 'Location (city)', undefined, 'A city, like "London"']);
    const props: Record<string, JsonValue> = { location: { type: 'string', ...(locDesc ? { description: locDesc } : {}) } };
    if (withUnit) {
      props['unit'] = rng.chance(0.6)
        ? { type: 'string', enum: ['celsius', 'fahrenheit'], ...(rng.chance(0.5) ? { default: 'celsius' } : {}) }
        : { type: 'string', description: 'celsius or fahrenheit' };
    }
    return {
      name: 'get_weather',
      description: rng.pick([
        'Gets the current weather in a given location.', 'Get the current weather for a city.', 'Returns current weather conditions.',
        'Look up the weather (temperature and conditions) for a location.', 'Current weather for a city', 'Fetch today\'s weather at a place.',
      ]),
      parameters: { type: 'object', properties: props, required: ['location'] },
    };
  },
  get_time: (rng) => {
    const desc = rng.pick(['The city', 'Name of a city', undefined, 'City to check, e.g. Tokyo']);
    return {
      name: 'get_time',
      description: rng.pick(['Gets the current local time in a city.', 'Returns the local time for a city.', 'Current time in a city', 'Look up what time it is somewhere.']),
      parameters: { type: 'object', properties: { city: { type: 'string', ...(desc ? { description: desc } : {}) } }, required: ['city'] },
    };
  },
  convert_currency: (rng) => {
    const codes = rng.chance(0.5);
    const code: JsonValue = codes ? { type: 'string', description: 'ISO 4217 currency code, e.g. USD' } : { type: 'string' };
    return {
      name: 'convert_currency',
      description: rng.pick(['Converts an amount of money from one currency to another.', 'Currency conversion at today\'s rate.', 'Convert money between currencies.', 'Exchange an amount from one currency into another']),
      parameters: {
        type: 'object',
        properties: { amount: { type: 'number', ...(rng.chance(0.5) ? { description: 'The amount to convert' } : {}) }, from: code, to: code },
        required: ['amount', 'from', 'to'],
      },
    };
  },
  search: (rng) => ({
    name: 'search',
    description: rng.pick(['Searches the web and returns the top results.', 'Web search.', 'Search the internet for a query.', 'Find web pages about a topic.']),
    parameters: {
      type: 'object',
      properties: { query: { type: 'string', ...(rng.chance(0.5) ? { description: rng.pick(['The search query', 'What to search for']) } : {}) } },
      required: ['query'],
    },
  }),
  calculator: (rng) => ({
    name: 'calculator',
    description: rng.pick(['Evaluates an arithmetic expression.', 'A calculator for arithmetic.', 'Computes the result of a math expression like "12 * 7".', 'Calculator']),
    parameters: {
      type: 'object',
      properties: { expression: { type: 'string', ...(rng.chance(0.5) ? { description: rng.pick(['The expression, e.g. 2 + 2', 'Arithmetic expression to evaluate']) } : {}) } },
      required: ['expression'],
    },
  }),
};
export const TOOL_NAMES = Object.keys(TOOL_VARIANTS);

/** The tools declared in a conversation: `needed` (if any) plus a random subset of the others, in a random order. */
function declareTools(rng: Rng, needed: string | undefined, probAny: number, exclude: readonly string[] = []): ToolSpec[] {
  const names = new Set<string>();
  if (needed) names.add(needed);
  if (needed || rng.chance(probAny)) {
    for (const n of TOOL_NAMES) if (n !== needed && !exclude.includes(n) && rng.chance(0.35)) names.add(n);
    if (names.size === 0) {
      const pool = TOOL_NAMES.filter((n) => !exclude.includes(n));
      names.add(rng.pick(pool));
    }
  }
  return rng.shuffle([...names]).map((n) => TOOL_VARIANTS[n]!(rng));
}

// ---------------------------------------------------------------- reasoning by effort
function reason(effort: ReasoningEffort, low: string, medium: readonly string[], high: readonly string[]): string {
  if (effort === 'low') return low;
  if (effort === 'medium') return medium.join(' ');
  return [...medium, ...high].join(' ');
}

/**
 * How often a tool's output is compact JSON (`JSON.stringify`, as most handlers write it) rather than
 * `argsJson`'s spaced form. 0 draws nothing from the generator, so data made before this existed is
 * unchanged; the last training stage uses 0.5 (`generate.ts --compact-json`).
 */
export const dataOptions: { compactJson: number; mix: MixName } = { compactJson: 0, mix: 'v1' };

/** Whether the mix is `v<n>` or later (a later mix keeps what the earlier ones added to the data). */
function mixFrom(n: number): boolean {
  return Number(dataOptions.mix.slice(1)) >= n;
}

function outputJson(rng: Rng, obj: Record<string, JsonValue>): string {
  return dataOptions.compactJson > 0 && rng.chance(dataOptions.compactJson) ? JSON.stringify(obj) : argsJson(obj);
}

export function argsJson(args: Record<string, JsonValue>): string {
  return `{${Object.entries(args).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')}}`;
}

function fill(template: string, vars: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k]));
}

// ---------------------------------------------------------------- families
const OPS = [
  { sym: '+', words: ['plus', 'added to'], name: 'sum', f: (a: number, b: number) => a + b },
  { sym: '-', words: ['minus'], name: 'difference', f: (a: number, b: number) => a - b },
  { sym: '*', words: ['times', 'multiplied by'], name: 'product', f: (a: number, b: number) => a * b },
] as const;

interface Ctx {
  rng: Rng;
  split: Split;
  effort: ReasoningEffort;
}

function capitalQA(ctx: Ctx, country: string, capital: string, reverse: boolean): Pick<Example, 'steps' | 'expect'> {
  const { effort } = ctx;
  if (!reverse) {
    const analysis = reason(
      effort,
      `Capital of ${country}: ${capital}.`,
      [`The user asks for the capital of ${country}.`, `The capital of ${country} is ${capital}.`],
      ['This is a geography fact, so no tool is needed.', `I will answer in one sentence and name ${capital}.`],
    );
    return { steps: [{ kind: 'analysis', text: analysis }, { kind: 'final', text: `The capital of ${country} is ${capital}.` }], expect: { answer: [capital] } };
  }
  const analysis = reason(
    effort,
    `${capital} is the capital of ${country}.`,
    [`The user asks which country has ${capital} as its capital.`, `${capital} is the capital of ${country}.`],
    ['This is a geography fact, so no tool is needed.', `I will answer in one sentence and name ${country}.`],
  );
  return { steps: [{ kind: 'analysis', text: analysis }, { kind: 'final', text: `${capital} is the capital of ${country}.` }], expect: { answer: [country] } };
}

function arithmeticQA(ctx: Ctx, a: number, b: number, op: (typeof OPS)[number], words: boolean): { user: string } & Pick<Example, 'steps' | 'expect'> {
  const { rng, effort } = ctx;
  const e = words ? `${a} ${rng.pick(op.words)} ${b}` : `${a} ${op.sym} ${b}`;
  const c = op.f(a, b);
  const user = fill(rng.pick(phrasings('arithmetic', ctx.split)), { e });
  const analysis = reason(
    effort,
    `${a} ${op.sym} ${b} = ${c}.`,
    [`The user wants the ${op.name} of ${a} and ${b}.`, `${a} ${op.sym} ${b} = ${c}.`],
    ['Both numbers are small, so I can do this without a calculator.', `The answer is ${c}.`],
  );
  return { user, steps: [{ kind: 'analysis', text: analysis }, { kind: 'final', text: `${a} ${op.sym} ${b} = ${c}.` }], expect: { answer: [String(c)] } };
}

const CONDITIONS = ['sunny', 'cloudy', 'rainy', 'windy', 'snowing', 'foggy', 'clear', 'partly cloudy', 'stormy'];

function weatherQA(ctx: Ctx, city: string, unit: 'celsius' | 'fahrenheit' | undefined): Pick<Example, 'steps' | 'expect'> {
  const { rng, effort } = ctx;
  const c = rng.int(-10, 35);
  const temp = unit === 'fahrenheit' ? Math.round((c * 9) / 5 + 32) : c;
  const u = unit ?? 'celsius';
  const condition = rng.pick(CONDITIONS);
  const args: Record<string, JsonValue> = unit ? { location: city, unit } : { location: city };
  const output = outputJson(rng, { location: city, temperature: temp, unit: u, condition });
  const sign = u === 'fahrenheit' ? '°F' : '°C';
  const before = reason(
    effort,
    `Need the weather in ${city}; call get_weather.`,
    [`The user wants the current weather in ${city}.`, `I will call get_weather with location ${city}${unit ? ` and unit ${unit}` : ''}.`],
    ['I cannot know the weather without the tool.', 'After the result I will report the temperature and the conditions.'],
  );
  const after = reason(effort, `${temp}${sign}, ${condition}.`, [`The tool says ${temp}${sign} and ${condition} in ${city}.`], ['I will tell the user both.']);
  return {
    steps: [
      { kind: 'analysis', text: before },
      { kind: 'call', name: 'get_weather', args },
      { kind: 'tool', name: 'get_weather', output },
      { kind: 'analysis', text: after },
      { kind: 'final', text: `It is ${temp}${sign} and ${condition} in ${city} right now.` },
    ],
    expect: { tool: 'get_weather', args, toolOutput: output, answer: [String(temp), condition] },
  };
}

function timeQA(ctx: Ctx, city: string): Pick<Example, 'steps' | 'expect'> {
  const { rng, effort } = ctx;
  const time = `${String(rng.int(0, 23)).padStart(2, '0')}:${String(rng.int(0, 59)).padStart(2, '0')}`;
  const args = { city };
  const output = outputJson(rng, { city, local_time: time });
  const before = reason(
    effort,
    `Need the time in ${city}; call get_time.`,
    [`The user asks for the local time in ${city}.`, `I will call get_time with city ${city}.`],
    ['Time zones differ, so I should not guess.', 'I will report the time the tool returns.'],
  );
  const after = reason(effort, `It is ${time} there.`, [`The tool says it is ${time} in ${city}.`], ['I will answer with that time.']);
  return {
    steps: [
      { kind: 'analysis', text: before },
      { kind: 'call', name: 'get_time', args },
      { kind: 'tool', name: 'get_time', output },
      { kind: 'analysis', text: after },
      { kind: 'final', text: `It is ${time} in ${city}.` },
    ],
    expect: { tool: 'get_time', args, toolOutput: output, answer: [time] },
  };
}

function currencyQA(ctx: Ctx): { user: string } & Pick<Example, 'steps' | 'expect'> {
  const { rng, effort } = ctx;
  const [from, to] = rng.sample(CURRENCIES, 2) as [(typeof CURRENCIES)[number], (typeof CURRENCIES)[number]];
  const amount = rng.chance(0.8) ? rng.pick([rng.int(1, 100), rng.int(1, 20) * 50, rng.int(100, 5000)]) : rng.int(1, 9999) / 100;
  const spell = (c: (typeof CURRENCIES)[number]): string => (rng.chance(0.5) ? c[0] : rng.pick(c[1]));
  const user = fill(rng.pick(phrasings('currency', ctx.split)), { amount, from: spell(from), to: spell(to) });
  const args = { amount, from: from[0], to: to[0] };
  const result = Math.round(amount * rng.int(5, 300)) / 100;
  const output = outputJson(rng, { amount, from: from[0], to: to[0], result });
  const before = reason(
    effort,
    `Convert ${amount} ${from[0]} to ${to[0]}; call convert_currency.`,
    [`The user wants to convert ${amount} ${from[0]} to ${to[0]}.`, 'Exchange rates change, so I will call convert_currency.'],
    [`The amount is ${amount}, from ${from[0]}, to ${to[0]}.`, 'Then I will report the converted amount.'],
  );
  const after = reason(effort, `Result: ${result} ${to[0]}.`, [`The tool says ${amount} ${from[0]} is ${result} ${to[0]}.`], ['I will give that number.']);
  return {
    user,
    steps: [
      { kind: 'analysis', text: before },
      { kind: 'call', name: 'convert_currency', args },
      { kind: 'tool', name: 'convert_currency', output },
      { kind: 'analysis', text: after },
      { kind: 'final', text: `${amount} ${from[0]} is ${result} ${to[0]}.` },
    ],
    expect: { tool: 'convert_currency', args, toolOutput: output, answer: [String(result)] },
  };
}

function searchQA(ctx: Ctx): { user: string } & Pick<Example, 'steps' | 'expect'> {
  const { rng, effort } = ctx;
  // Every city appears in search queries, so the held-out cities' tokens are known when they come up
  // as weather or time arguments (values never seen in those calls).
  const pool = rng.chance(0.3) ? madeUpNames(ctx.split) : CITIES;
  // From v4 on, some queries start with the place: the only way a held-out city's unspaced spelling
  // ("Turin" after a quote is `Tur` `in`, not ` Turin`) gets copied from the prompt's spaced one outside
  // a weather or time call. Older mixes draw nothing here, so their data is unchanged.
  const placeFirst = mixFrom(4) && rng.chance(0.35);
  const q = placeFirst
    ? `${rng.pick(pool)} ${rng.pick(SEARCH_SUBJECTS)}`
    : rng.chance(0.6)
    ? `${rng.pick(SEARCH_MODIFIERS)} ${rng.pick(SEARCH_SUBJECTS)} in ${rng.pick(pool)}`
    : rng.chance(0.5)
      ? `${rng.pick(SEARCH_SUBJECTS)} near ${rng.pick(pool)}`
      : `${rng.pick(SEARCH_MODIFIERS)} ${rng.pick(SEARCH_SUBJECTS)}`;
  const user = fill(rng.pick(phrasings('search', ctx.split)), { q });
  const args = { query: q };
  const title = `${rng.pick(['Guide to', 'Top 10', 'The best', 'All about', 'Review:'])} ${q}`;
  const output = JSON.stringify({ results: [{ title, url: `https://example.com/${rng.int(100, 999)}` }] });
  const before = reason(
    effort,
    `Search for ${q}.`,
    [`The user wants web results for ${q}.`, `I will call search with the query "${q}".`],
    ['I should copy the query from the request.', 'Then I will share the top result.'],
  );
  const after = reason(effort, `Top result: ${title}.`, [`The top result is "${title}".`], ['I will share it with the user.']);
  return {
    user,
    steps: [
      { kind: 'analysis', text: before },
      { kind: 'call', name: 'search', args },
      { kind: 'tool', name: 'search', output },
      { kind: 'analysis', text: after },
      { kind: 'final', text: `The top result is "${title}".` },
    ],
    expect: { tool: 'search', args, toolOutput: output, answer: [title] },
  };
}

function calculatorQA(ctx: Ctx): { user: string } & Pick<Example, 'steps' | 'expect'> {
  const { rng, effort } = ctx;
  const op = rng.pick(OPS);
  const big = (): number => rng.pick([rng.int(21, 99), rng.int(100, 999), rng.int(1000, 9999)]);
  const a = big();
  const b = rng.chance(0.7) ? big() : rng.int(2, 20);
  const [x, y] = rng.chance(0.5) ? [a, b] : [b, a];
  const expression = `${x} ${op.sym} ${y}`;
  const shown = rng.chance(0.2) ? `${x} ${rng.pick(op.words)} ${y}` : expression;
  const user = fill(rng.pick(phrasings('calculator', ctx.split)), { e: shown });
  const value = op.f(x, y);
  const args = { expression };
  const output = outputJson(rng, { result: value });
  const before = reason(
    effort,
    `Large numbers; call calculator with ${expression}.`,
    [`The user wants ${expression}.`, 'These numbers are large, so I will use the calculator tool.'],
    ['Doing it by hand could go wrong.', 'I will report the result the calculator returns.'],
  );
  const after = reason(effort, `Result ${value}.`, [`The calculator returned ${value}.`], ['That is the answer.']);
  return {
    user,
    steps: [
      { kind: 'analysis', text: before },
      { kind: 'call', name: 'calculator', args },
      { kind: 'tool', name: 'calculator', output },
      { kind: 'analysis', text: after },
      { kind: 'final', text: `${expression} = ${value}.` },
    ],
    expect: { tool: 'calculator', args, toolOutput: output, answer: [String(value)] },
  };
}

function greetingQA(ctx: Ctx, text: string): Pick<Example, 'steps' | 'expect'> {
  const analysis = reason(ctx.effort, 'The user greets me. Greet back.', ['The user is greeting me.', 'I will greet them and offer help.'], ['There is no question yet, so no tool is needed.']);
  const reply = /how are you/i.test(text) ? "Hello! I'm doing well, thanks. How can I help you today?" : 'Hello! How can I help you today?';
  return { steps: [{ kind: 'analysis', text: analysis }, { kind: 'final', text: reply }], expect: { answer: ['help'] } };
}

function thanksQA(ctx: Ctx): Pick<Example, 'steps' | 'expect'> {
  const analysis = reason(ctx.effort, 'The user says thanks.', ['The user is thanking me.', 'I will reply politely.'], ['Nothing else was asked, so no tool is needed.']);
  return { steps: [{ kind: 'analysis', text: analysis }, { kind: 'final', text: "You're welcome! Let me know if there is anything else." }], expect: { answer: ['welcome'] } };
}

function randomDate(rng: Rng): string {
  return `${rng.int(2024, 2026)}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`;
}

/** A place for a weather or time call: half real cities, half made-up names (see names.ts). */
function pickPlace(ctx: Ctx): { city: string; place: 'real' | 'made_up' } {
  if (ctx.rng.chance(0.5)) return { city: ctx.rng.pick(madeUpNames(ctx.split)), place: 'made_up' };
  return { city: ctx.rng.pick(ctx.split === 'train' ? cities.train : cities.heldout), place: 'real' };
}

function repeatQA(ctx: Ctx, namesOnly = false): { user: string } & Pick<Example, 'steps' | 'expect'> {
  const { rng } = ctx;
  if (namesOnly) return repeatOf(ctx, Array.from({ length: rng.pick([1, 1, 2, 3]) }, () => (rng.chance(0.7) ? rng.pick(madeUpNames(ctx.split)) : pickPlace(ctx).city)));
  // What tool arguments hold: place names (made up, and real cities of both splits: a held-out city's
  // tokens need copying practice somewhere, and here is not a weather or time call), numbers, queries.
  const item = (): string => {
    const r = rng.next();
    if (r < 0.4) return rng.pick(madeUpNames(ctx.split));
    if (r < 0.6) return rng.pick(CITIES);
    if (r < 0.8) return String(rng.chance(0.7) ? rng.pick([rng.int(0, 999), rng.int(1000, 9999)]) : rng.int(1, 99999) / 100);
    return `${rng.pick(SEARCH_MODIFIERS)} ${rng.pick(SEARCH_SUBJECTS)}`;
  };
  return repeatOf(ctx, Array.from({ length: rng.pick([1, 1, 2, 3]) }, item));
}

/**
 * Place names from the prompt written back as a JSON array. In the prompt a name follows a space
 * (` Turin`); after a JSON quote it is spelled with other tokens (`Tur` `in`). The model only learns that
 * second spelling where something copies a name into a string, and a held-out city is never a weather
 * or time argument in training: here every city of both splits gets the practice, as no tool's argument.
 */
function jsonListQA(ctx: Ctx): { user: string } & Pick<Example, 'steps' | 'expect'> {
  const { rng, effort } = ctx;
  const place = (): string => (rng.chance(0.6) ? rng.pick(CITIES) : rng.pick(madeUpNames(ctx.split)));
  // v6 also quotes numbers (a calculator expression starts with one after its quote) and query phrases
  const item = dataOptions.mix !== 'v6' && dataOptions.mix !== 'v7' ? place : (): string => {
    const r = rng.next();
    if (r < 0.5) return place();
    if (r < 0.75) return String(rng.chance(0.7) ? rng.pick([rng.int(0, 999), rng.int(1000, 9999)]) : rng.int(1, 99999) / 100);
    return `${rng.pick(SEARCH_MODIFIERS)} ${rng.pick(SEARCH_SUBJECTS)}`;
  };
  const items = Array.from({ length: rng.pick([1, 2, 2, 3, 4]) }, item);
  const x = items.length === 1 ? items[0]! : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
  const list = `[${items.map((i) => JSON.stringify(i)).join(', ')}]`;
  const analysis = reason(effort, `${items.length} name${items.length > 1 ? 's' : ''} as JSON.`, [`The user wants ${x} as a JSON array.`, `That is ${list}.`], ['No tool is needed for this.', 'Each name becomes a quoted string.']);
  return { user: fill(rng.pick(phrasings('jsonList', ctx.split)), { x }), steps: [{ kind: 'analysis', text: analysis }, { kind: 'final', text: list }], expect: { answer: items } };
}

/**
 * Numbers copied from the prompt (v7). Every number up to 999 is one token, so copying one is writing
 * that token back, and each needs its own practice: in v6's 80,000 conversations each three-digit
 * token is a trained target about 75 times (two-digit ones 760), and stage 6 copied the two-digit
 * numbers of calculator expressions and wrote a frequent three-digit token (`998`) for the others,
 * on training phrasings too. A conversation here copies 3-8 of them, twice more in the analysis at
 * medium and high effort; some items are expressions as the calculator takes them.
 */
function numbersQA(ctx: Ctx): { user: string } & Pick<Example, 'steps' | 'expect'> {
  const { rng, effort } = ctx;
  const num = (): string => {
    const r = rng.next();
    return String(r < 0.65 ? rng.int(100, 999) : r < 0.85 ? rng.int(1000, 9999) : rng.int(21, 99));
  };
  const item = (): string => (rng.chance(0.25) ? `${num()} ${rng.pick(OPS).sym} ${num()}` : num());
  const items = Array.from({ length: rng.int(3, 8) }, item);
  const x = items.join(rng.chance(0.6) ? ', ' : ' ');
  const asJson = rng.chance(0.3);
  const out = asJson ? `[${items.map((i) => (/^\d+$/.test(i) ? i : JSON.stringify(i))).join(', ')}]` : x;
  const analysis = reason(effort, `Copy ${items.length} numbers.`, [`The user wants ${x} back.`, `I will write ${out}.`], ['No tool is needed for this.', 'Each number is copied exactly.']);
  const user = fill(rng.pick(phrasings('numbers', ctx.split)), { x }) + (asJson ? rng.pick([' As a JSON array.', ' Answer with a JSON list.']) : '');
  return { user, steps: [{ kind: 'analysis', text: analysis }, { kind: 'final', text: out }], expect: { answer: items } };
}

function repeatOf(ctx: Ctx, items: string[]): { user: string } & Pick<Example, 'steps' | 'expect'> {
  const { rng, effort } = ctx;
  const x = items.join(rng.chance(0.5) ? ' ' : ', ');
  const analysis = reason(effort, `Repeat: ${x}.`, [`The user wants me to repeat "${x}".`, `I will write ${x}.`], ['No tool is needed for this.', 'I will copy it exactly.']);
  return { user: fill(rng.pick(phrasings('repeat', ctx.split)), { x }), steps: [{ kind: 'analysis', text: analysis }, { kind: 'final', text: x }], expect: { answer: [x] } };
}

/** A tool exchange as earlier plain chat messages (what a client sends back on the next turn). */
function historyOf(user: string, steps: readonly Step[]): PlainMessage[] {
  const out: PlainMessage[] = [{ role: 'user', content: user }];
  for (const s of steps) {
    if (s.kind === 'call') out.push({ role: 'assistant', content: '', toolCalls: [{ name: s.name, arguments: argsJson(s.args) }] });
    if (s.kind === 'tool') out.push({ role: 'tool', name: s.name, content: s.output });
    if (s.kind === 'final') out.push({ role: 'assistant', content: s.text });
  }
  return out;
}

/**
 * The families and how often each appears in training. `v1` is the mix of the shipped model's second
 * stage; `v2` gives the tool families, the reverse capitals, the arithmetic drills and the copy
 * practice more room at the cost of the forward capitals (which the model already answered).
 */
const MIXES = {
  v1: [
    ['capital', 24], ['capital_reverse', 6], ['arithmetic', 10], ['arithmetic_drill', 14], ['calculator', 8], ['weather', 12], ['time', 7],
    ['currency', 7], ['search', 6], ['greeting', 5], ['thanks', 3], ['follow_up', 8], ['no_tool_available', 3], ['repeat', 8],
  ],
  v2: [
    ['capital', 16], ['capital_reverse', 8], ['arithmetic', 10], ['arithmetic_drill', 18], ['calculator', 12], ['weather', 14], ['time', 8],
    ['currency', 10], ['search', 9], ['greeting', 5], ['thanks', 3], ['follow_up', 8], ['no_tool_available', 3], ['repeat', 12],
  ],
  // the tool calls and the copy practice first (argument values are the target furthest away), the rest
  // kept in smaller shares so that a fine-tune from a trained model does not forget it
  v3: [
    ['capital', 8], ['capital_reverse', 4], ['arithmetic', 6], ['arithmetic_drill', 10], ['calculator', 12], ['weather', 18], ['time', 12],
    ['currency', 12], ['search', 12], ['greeting', 3], ['thanks', 2], ['follow_up', 6], ['no_tool_available', 3], ['repeat', 20],
  ],
  // v2's weights (v3 cost capitals and arithmetic); search queries may start with the place (searchQA)
  v4: [
    ['capital', 16], ['capital_reverse', 8], ['arithmetic', 10], ['arithmetic_drill', 18], ['calculator', 12], ['weather', 14], ['time', 8],
    ['currency', 10], ['search', 9], ['greeting', 5], ['thanks', 3], ['follow_up', 8], ['no_tool_available', 3], ['repeat', 12],
  ],
  // v4 and place names written as JSON arrays (jsonListQA)
  v5: [
    ['capital', 16], ['capital_reverse', 8], ['arithmetic', 10], ['arithmetic_drill', 18], ['calculator', 12], ['weather', 14], ['time', 8],
    ['currency', 10], ['search', 9], ['greeting', 5], ['thanks', 3], ['follow_up', 8], ['no_tool_available', 3], ['repeat', 12],
    ['json_list', 8],
  ],
  // v5 with more calculator, search and JSON-list practice; the lists also quote numbers and phrases
  v6: [
    ['capital', 16], ['capital_reverse', 8], ['arithmetic', 10], ['arithmetic_drill', 18], ['calculator', 16], ['weather', 14], ['time', 8],
    ['currency', 10], ['search', 12], ['greeting', 5], ['thanks', 3], ['follow_up', 8], ['no_tool_available', 3], ['repeat', 12],
    ['json_list', 12],
  ],
  // v6 with copy practice for numbers (numbersQA) and more training phrasings (MORE_PHRASINGS)
  v7: [
    ['capital', 16], ['capital_reverse', 8], ['arithmetic', 10], ['arithmetic_drill', 18], ['calculator', 16], ['weather', 14], ['time', 8],
    ['currency', 10], ['search', 12], ['greeting', 5], ['thanks', 3], ['follow_up', 8], ['no_tool_available', 3], ['repeat', 12],
    ['json_list', 12], ['numbers', 20],
  ],
  // v7 with v5's JSON lists (place names only: v6's numbers and phrases in them halved the quoted
  // cities, and real held-out cities went from 13/23 to 4/23; the numbers family has the numbers now)
  v8: [
    ['capital', 16], ['capital_reverse', 8], ['arithmetic', 10], ['arithmetic_drill', 18], ['calculator', 16], ['weather', 14], ['time', 8],
    ['currency', 10], ['search', 12], ['greeting', 5], ['thanks', 3], ['follow_up', 8], ['no_tool_available', 3], ['repeat', 12],
    ['json_list', 14], ['numbers', 18],
  ],
  // v8 with the calculator's added phrasings for direct arithmetic too (MORE_ARITHMETIC)
  v9: [
    ['capital', 16], ['capital_reverse', 8], ['arithmetic', 10], ['arithmetic_drill', 18], ['calculator', 16], ['weather', 14], ['time', 8],
    ['currency', 10], ['search', 12], ['greeting', 5], ['thanks', 3], ['follow_up', 8], ['no_tool_available', 3], ['repeat', 12],
    ['json_list', 14], ['numbers', 18],
  ],
  // v9 with the capitals at v5's share of the data (v7-v9's added families took it from 11% to 9%)
  v10: [
    ['capital', 22], ['capital_reverse', 10], ['arithmetic', 10], ['arithmetic_drill', 18], ['calculator', 16], ['weather', 14], ['time', 8],
    ['currency', 10], ['search', 12], ['greeting', 5], ['thanks', 3], ['follow_up', 8], ['no_tool_available', 3], ['repeat', 12],
    ['json_list', 14], ['numbers', 18],
  ],
} as const satisfies Record<string, readonly (readonly [Family, number])[]>;
export type MixName = keyof typeof MIXES;
export const MIX_NAMES = Object.keys(MIXES) as MixName[];

/**
 * Countries people ask about first. Half of the capital questions are about these, so that a short
 * training run (minutes on a shared CPU) gets them right; the other half cover all 193.
 */
const FAMOUS = new Set([
  'France', 'Germany', 'Italy', 'Spain', 'United Kingdom', 'United States', 'Japan', 'China', 'India', 'Canada', 'Brazil',
  'Mexico', 'Russia', 'Australia', 'Portugal', 'Netherlands', 'Belgium', 'Switzerland', 'Austria', 'Sweden', 'Norway',
  'Poland', 'Greece', 'Egypt', 'Türkiye', 'Argentina', 'South Korea', 'Ireland', 'Kenya', 'Nigeria',
]);
const FAMOUS_CAPITALS = CAPITALS.filter(([c]) => FAMOUS.has(c));

function pickCountry(rng: Rng): (typeof CAPITALS)[number] {
  return rng.chance(0.5) ? rng.pick(FAMOUS_CAPITALS) : rng.pick(CAPITALS);
}

export function makeExample(rng: Rng, splitName: Split, family?: Family): Example {
  const fam = family ?? rng.weighted(MIXES[dataOptions.mix]);
  const effort = rng.pick(['low', 'medium', 'high'] as const);
  const ctx: Ctx = { rng, split: splitName, effort };
  const base = {
    family: fam,
    effort,
    date: randomDate(rng),
    ...(rng.chance(0.3) ? { instructions: rng.pick(INSTRUCTIONS) } : {}),
    history: [] as PlainMessage[],
  };
  const phr = (k: keyof typeof P): string => rng.pick(phrasings(k, splitName));
  switch (fam) {
    case 'capital': {
      const [country, capital] = pickCountry(rng);
      return { ...base, tools: declareTools(rng, undefined, 0.3), user: fill(phr('capital'), { c: country }), ...capitalQA(ctx, country, capital, false) };
    }
    case 'capital_reverse': {
      const [country, capital] = pickCountry(rng);
      return { ...base, tools: declareTools(rng, undefined, 0.3), user: fill(phr('capitalReverse'), { x: capital }), ...capitalQA(ctx, country, capital, true) };
    }
    case 'arithmetic': {
      const op = rng.pick(OPS);
      const qa = arithmeticQA(ctx, rng.int(0, 20), rng.int(0, 20), op, rng.chance(0.3));
      return { ...base, tools: declareTools(rng, undefined, 0.3), ...qa };
    }
    case 'arithmetic_drill': {
      // Earlier questions with their answers, all trained: a table of 1,323 facts needs many more
      // exposures than one question per conversation gives.
      const history: PlainMessage[] = [];
      for (let k = rng.int(4, 10); k > 0; k--) {
        const o = rng.pick(OPS);
        const [a, b] = [rng.int(0, 20), rng.int(0, 20)];
        const e = rng.chance(0.3) ? `${a} ${rng.pick(o.words)} ${b}` : `${a} ${o.sym} ${b}`;
        history.push({ role: 'user', content: fill(phr('arithmetic'), { e }) }, { role: 'assistant', content: `${a} ${o.sym} ${b} = ${o.f(a, b)}.` });
      }
      const qa = arithmeticQA(ctx, rng.int(0, 20), rng.int(0, 20), rng.pick(OPS), rng.chance(0.3));
      return { ...base, history, trainHistory: true, tools: declareTools(rng, undefined, 0.3), ...qa };
    }
    case 'numbers':
      return { ...base, tools: declareTools(rng, undefined, 0.3), ...numbersQA(ctx) };
    case 'json_list':
      return { ...base, tools: declareTools(rng, undefined, 0.3), ...jsonListQA(ctx) };
    case 'repeat':
      return { ...base, tools: declareTools(rng, undefined, 0.3), ...repeatQA(ctx) };
    case 'repeat_names':
      // Place names only (made-up and training cities): the first stage of the shipped model.
      return { ...base, tools: declareTools(rng, undefined, 0.3), ...repeatQA(ctx, true) };
    case 'calculator':
      return { ...base, tools: declareTools(rng, 'calculator', 1), ...calculatorQA(ctx) };
    case 'weather': {
      const { city, place } = pickPlace(ctx);
      const unit = rng.chance(0.25) ? rng.pick(['celsius', 'fahrenheit'] as const) : undefined;
      const tools = declareTools(rng, 'get_weather', 1);
      const spec = tools.find((t) => t.name === 'get_weather')!;
      const hasUnit = JSON.stringify(spec.parameters).includes('"unit"');
      const u = hasUnit ? unit : undefined;
      const user = u ? fill(phr('weatherUnit'), { city, unit: u }) : fill(phr('weather'), { city });
      return { ...base, place, tools, user, ...weatherQA(ctx, city, u) };
    }
    case 'time': {
      const { city, place } = pickPlace(ctx);
      return { ...base, place, tools: declareTools(rng, 'get_time', 1), user: fill(phr('time'), { city }), ...timeQA(ctx, city) };
    }
    case 'currency':
      return { ...base, tools: declareTools(rng, 'convert_currency', 1), ...currencyQA(ctx) };
    case 'search':
      return { ...base, tools: declareTools(rng, 'search', 1), ...searchQA(ctx) };
    case 'greeting': {
      const text = phr('greeting');
      return { ...base, tools: declareTools(rng, undefined, 0.2), user: text, ...greetingQA(ctx, text) };
    }
    case 'thanks': {
      const [country, capital] = rng.pick(CAPITALS);
      const q = fill(phr('capital'), { c: country });
      const history: PlainMessage[] = [{ role: 'user', content: q }, { role: 'assistant', content: `The capital of ${country} is ${capital}.` }];
      return { ...base, history, tools: declareTools(rng, undefined, 0.2), user: phr('thanks'), ...thanksQA(ctx) };
    }
    case 'follow_up': {
      if (rng.chance(0.6)) {
        const [[c1, x1], [c2, x2]] = rng.sample(CAPITALS, 2) as [(typeof CAPITALS)[number], (typeof CAPITALS)[number]];
        const history: PlainMessage[] = [{ role: 'user', content: fill(phr('capital'), { c: c1 }) }, { role: 'assistant', content: `The capital of ${c1} is ${x1}.` }];
        const qa = capitalQA(ctx, c2, x2, false);
        const analysis = reason(effort, `Capital of ${c2}: ${x2}.`, [`The user now asks the same for ${c2}.`, `The capital of ${c2} is ${x2}.`], ['This is a geography fact, so no tool is needed.', `I will answer in one sentence and name ${x2}.`]);
        qa.steps[0] = { kind: 'analysis', text: analysis };
        return { ...base, history, tools: declareTools(rng, undefined, 0.2), user: fill(phr('followCapital'), { c: c2 }), ...qa };
      }
      const tools = declareTools(rng, 'get_weather', 1);
      const spec = tools.find((t) => t.name === 'get_weather')!;
      spec.parameters = { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] };
      const city1 = pickPlace(ctx).city;
      const { city: city2, place } = pickPlace(ctx);
      const first = weatherQA({ ...ctx, effort: 'low' }, city1, undefined);
      const history = historyOf(fill(phr('weather'), { city: city1 }), first.steps);
      const qa = weatherQA(ctx, city2, undefined);
      qa.steps[0] = {
        kind: 'analysis',
        text: reason(effort, `Now the weather in ${city2}; call get_weather.`, [`The user asks the same for ${city2}.`, `I will call get_weather with location ${city2}.`], ['I cannot know the weather without the tool.', 'After the result I will report the temperature and the conditions.']),
      };
      return { ...base, place, history, tools, user: fill(phr('followCity'), { city: city2 }), ...qa };
    }
    case 'no_tool_available': {
      const city = rng.pick(CITIES);
      const weather = rng.chance(0.5);
      const tools = declareTools(rng, undefined, 0.4, ['get_weather', 'get_time', 'search']);
      const user = weather ? fill(phr('weather'), { city }) : fill(phr('time'), { city });
      const what = weather ? 'weather' : 'time';
      const analysis = reason(effort, `No ${what} tool is available.`, [`The user asks for the ${what} in ${city}.`, `I have no ${what} tool, so I cannot look it up.`], ['I should say so instead of guessing.']);
      return {
        ...base,
        tools,
        user,
        steps: [{ kind: 'analysis', text: analysis }, { kind: 'final', text: `Sorry, I have no ${what} tool here, so I cannot check the ${what} in ${city}.` }],
        expect: { answer: [city] },
      };
    }
  }
}
