import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type OpenAI from 'openai';
import { ANSWER, CALL_ROUNDS, WEATHER_TOOL, parseSse, scriptedServer, type TestServer } from './helpers.js';

type Ev = Record<string, unknown> & { type: string; sequence_number: number };
const recorded: Ev[] = parseSse(readFileSync(new URL('./fixtures/basic-event-stream.txt', import.meta.url), 'utf8')).map((b) => JSON.parse(b.data) as Ev);

/** Event types with runs of deltas folded into one. */
const folded = (events: readonly { type: string }[]): string[] => events.map((e) => e.type).filter((t, i, a) => !(t.endsWith('.delta') && a[i - 1] === t));

/** Every key the recorded event of this type has, this server's event has too, recursively for objects. */
function assertShape(ours: unknown, theirs: unknown, path: string): void {
  if (typeof theirs !== 'object' || theirs === null || Array.isArray(theirs)) return;
  assert.ok(typeof ours === 'object' && ours !== null, `${path}: expected an object`);
  for (const [k, v] of Object.entries(theirs)) {
    assert.ok(k in ours, `${path}.${k} is missing`);
    if (k !== 'output' && k !== 'item' && k !== 'part') assertShape((ours as Record<string, unknown>)[k], v, `${path}.${k}`);
  }
}

async function streamEvents(s: TestServer, body: Record<string, unknown>): Promise<Ev[]> {
  const stream = await s.client.responses.create({ model: 'scripted', stream: true, ...body } as OpenAI.Responses.ResponseCreateParamsStreaming);
  const out: Ev[] = [];
  for await (const e of stream) out.push(e as unknown as Ev);
  return out;
}

describe('POST /v1/responses (openai client, scripted model)', () => {
  let s: TestServer;
  before(async () => {
    s = await scriptedServer([ANSWER]);
  });
  after(() => s.close());

  it('answers with a reasoning item and a message item, usage with cached and reasoning tokens', async () => {
    const r = await s.client.responses.create({ model: 'scripted', input: 'Hi', instructions: 'Be brief.', reasoning: { effort: 'low' }, metadata: { k: 'v' } });
    assert.equal(r.object, 'response');
    assert.equal(r.status, 'completed');
    assert.match(r.id, /^resp_/);
    assert.deepEqual(r.output.map((o) => o.type), ['reasoning', 'message']);
    const reasoning = r.output[0] as OpenAI.Responses.ResponseReasoningItem;
    assert.deepEqual(reasoning.content, [{ type: 'reasoning_text', text: 'The user greets me.' }]);
    assert.equal(r.output_text, 'Hello, world!');
    assert.equal(r.instructions, 'Be brief.');
    assert.deepEqual(r.metadata, { k: 'v' });
    assert.equal(r.usage!.output_tokens, ANSWER.length);
    assert.ok(r.usage!.output_tokens_details.reasoning_tokens >= 5);
    assert.equal(r.usage!.total_tokens, r.usage!.input_tokens + r.usage!.output_tokens);
    assert.equal(typeof r.usage!.input_tokens_details.cached_tokens, 'number');
  });

  it('streams the event sequence of OpenAI\'s recorded stream, numbered, with that stream\'s fields', async () => {
    const events = await streamEvents(s, { input: 'Hi' });
    assert.deepEqual(
      events.map((e) => e.sequence_number),
      events.map((_, i) => i),
    );
    const item = ['response.output_item.added', 'response.content_part.added'];
    assert.deepEqual(folded(events), [
      'response.created',
      'response.in_progress',
      ...item,
      'response.reasoning_text.delta',
      'response.reasoning_text.done',
      'response.content_part.done',
      'response.output_item.done',
      ...item,
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    // The message part (OpenAI's recording has an empty reasoning item, gpt-oss streams its reasoning text).
    const ourMessage = folded(events).slice(folded(events).lastIndexOf('response.output_item.added'));
    const theirMessage = folded(recorded).slice(folded(recorded).lastIndexOf('response.output_item.added'));
    assert.deepEqual(ourMessage, theirMessage);
    for (const theirs of recorded) {
      const ours = events.find((e) => e.type === theirs.type && (theirs.type !== 'response.output_item.added' || (e['item'] as Ev).type === (theirs['item'] as Ev).type));
      assert.ok(ours, `no ${theirs.type} event`);
      assertShape(ours, theirs, theirs.type);
    }
    const completed = events[events.length - 1]!['response'] as OpenAI.Responses.Response;
    const text = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e['delta']).join('');
    const reasoning = events.filter((e) => e.type === 'response.reasoning_text.delta').map((e) => e['delta']).join('');
    assert.equal(text, 'Hello, world!');
    assert.equal(reasoning, 'The user greets me.');
    // The completed response holds exactly the items that the .done events delivered.
    assert.deepEqual(
      completed.output,
      events.filter((e) => e.type === 'response.output_item.done').map((e) => e['item']),
    );
    const ids = new Set(events.filter((e) => 'item_id' in e).map((e) => e['item_id']));
    assert.deepEqual([...ids], completed.output.map((o) => o.id));
  });

  it('max_output_tokens cuts the response: status incomplete, reason max_output_tokens, response.incomplete', async () => {
    const r = await s.client.responses.create({ model: 'scripted', input: 'Hi', max_output_tokens: 8 });
    assert.equal(r.status, 'incomplete');
    assert.deepEqual(r.incomplete_details, { reason: 'max_output_tokens' });
    assert.equal(r.usage!.output_tokens, 8);
    const events = await streamEvents(s, { input: 'Hi', max_output_tokens: 8 });
    assert.equal(events[events.length - 1]!.type, 'response.incomplete');
  });

  it('stores responses: GET returns one, previous_response_id continues it, DELETE removes it', async () => {
    const first = await s.client.responses.create({ model: 'scripted', input: 'Hi' });
    const got = await s.client.responses.retrieve(first.id);
    assert.equal(got.id, first.id);
    assert.deepEqual(got.output, first.output);
    const next = await s.client.responses.create({ model: 'scripted', input: 'And again?', previous_response_id: first.id });
    assert.equal(next.previous_response_id, first.id);
    // The follow-up's prompt holds the first turn: more input tokens, most of them cached.
    assert.ok(next.usage!.input_tokens > first.usage!.input_tokens);
    assert.ok(next.usage!.input_tokens_details.cached_tokens >= first.usage!.input_tokens);
    const del = (await s.client.responses.delete(first.id)) as unknown;
    assert.deepEqual(del, { id: first.id, object: 'response', deleted: true });
    await assert.rejects(s.client.responses.retrieve(first.id), (e: unknown) => (e as { status?: number }).status === 404);
    const notStored = await s.client.responses.create({ model: 'scripted', input: 'Hi', store: false });
    await assert.rejects(s.client.responses.retrieve(notStored.id), (e: unknown) => (e as { status?: number }).status === 404);
  });
});

describe('responses: a function call round trip', () => {
  let s: TestServer;
  before(async () => {
    s = await scriptedServer(CALL_ROUNDS);
  });
  after(() => s.close());
  const tools: OpenAI.Responses.FunctionTool[] = [{ type: 'function', strict: true, ...WEATHER_TOOL }];

  it('returns a function_call item; function_call_output with previous_response_id gets the answer', async () => {
    const first = await s.client.responses.create({ model: 'scripted', input: 'Weather in Paris?', tools });
    assert.deepEqual(first.output.map((o) => o.type), ['reasoning', 'function_call']);
    const call = first.output[1] as OpenAI.Responses.ResponseFunctionToolCall;
    assert.equal(call.name, 'get_weather');
    assert.equal(call.status, 'completed');
    assert.deepEqual(JSON.parse(call.arguments), { city: 'Paris' });
    const second = await s.client.responses.create({
      model: 'scripted',
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"sky":"sunny"}' }],
      tools,
    });
    assert.equal(second.output_text, 'It is sunny.');
  });

  it('the same round trip stateless: the call and the reasoning item passed back as input items', async () => {
    const first = await s.client.responses.create({ model: 'scripted', input: 'Weather in Paris?', tools, store: false });
    const call = first.output[1] as OpenAI.Responses.ResponseFunctionToolCall;
    const second = await s.client.responses.create({
      model: 'scripted',
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        ...(first.output as OpenAI.Responses.ResponseInputItem[]),
        { type: 'function_call_output', call_id: call.call_id, output: '{"sky":"sunny"}' },
      ],
      tools,
    });
    assert.equal(second.output_text, 'It is sunny.');
    assert.ok(second.usage!.input_tokens_details.cached_tokens > first.usage!.input_tokens);
  });

  it('streams the call: output_item.added, function_call_arguments.delta/.done, output_item.done', async () => {
    const events = await streamEvents(s, { input: 'Weather in Paris?', tools });
    const fc = folded(events).slice(folded(events).indexOf('response.output_item.done') + 1);
    assert.deepEqual(fc, [
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const added = events.find((e) => e.type === 'response.output_item.added' && (e['item'] as Ev).type === 'function_call')!;
    assert.deepEqual({ ...(added['item'] as object), id: '', call_id: '' }, { id: '', type: 'function_call', call_id: '', name: 'get_weather', arguments: '', status: 'in_progress' });
    const args = events.filter((e) => e.type === 'response.function_call_arguments.delta').map((e) => e['delta']).join('');
    assert.equal(args, '{"city":"Paris"}');
    const done = events.find((e) => e.type === 'response.function_call_arguments.done')!;
    assert.equal(done['arguments'], args);
    assert.equal(done['name'], 'get_weather');
  });
});
