// Mapping of the built-in tools to the Responses API's tool types and output items, for the server.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builtinCallEventTypes, builtinCallItem, builtinForResponsesTool, forcedBuiltinCall } from '../../src/tools/responses-items.js';

describe('Responses API items for built-in calls', () => {
  it('maps request tool types and tool_choice to the built-ins', () => {
    for (const type of ['web_search', 'web_search_preview', 'web_search_2025_08_26', 'web_search_preview_2025_03_11']) assert.equal(builtinForResponsesTool({ type }), 'browser');
    assert.equal(builtinForResponsesTool({ type: 'code_interpreter' }), 'python');
    assert.equal(builtinForResponsesTool({ type: 'function' }), undefined);
    assert.deepEqual(forcedBuiltinCall({ type: 'web_search_preview' }), { name: 'browser.search' });
    assert.deepEqual(forcedBuiltinCall({ type: 'code_interpreter' }), { name: 'python' });
    assert.equal(forcedBuiltinCall({ type: 'function' }), undefined);
  });

  it('browser calls become web_search_call items with search, open_page and find actions', () => {
    const page = { url: 'https://example.org/a' };
    assert.deepEqual(builtinCallItem('ws_1', { recipient: 'browser.search', arguments: '{"query":"whales"}' }, '[0] whales\n...'), {
      id: 'ws_1',
      type: 'web_search_call',
      status: 'completed',
      action: { type: 'search', query: 'whales', queries: ['whales'] },
    });
    const results = { url: '', urls: { '0': 'https://a.org/1', '1': 'https://b.org/2' }, snippets: {} };
    assert.deepEqual(builtinCallItem('ws_6', { recipient: 'browser.search', arguments: '{"query":"q"}' }, '[0] q', { page: results })?.['action' as never], {
      type: 'search',
      query: 'q',
      queries: ['q'],
      sources: [
        { type: 'url', url: 'https://a.org/1' },
        { type: 'url', url: 'https://b.org/2' },
      ],
    });
    assert.deepEqual(builtinCallItem('ws_2', { recipient: 'browser.open', arguments: '{"id":3}' }, '[1] A', { page })?.['action' as never], { type: 'open_page', url: 'https://example.org/a' });
    assert.deepEqual(builtinCallItem('ws_3', { recipient: 'browser.open', arguments: '{"id":"https://x.org/"}' }, '[2] X')?.['action' as never], { type: 'open_page', url: 'https://x.org/' });
    const find = builtinCallItem('ws_4', { recipient: 'browser.find', arguments: '{"pattern":"krill"}' }, '[3] Find', { page: { url: '', citeAs: { url: 'https://example.org/a', title: 'A' } } });
    assert.deepEqual(find?.['action' as never], { type: 'find_in_page', url: 'https://example.org/a', pattern: 'krill' });
    assert.equal(builtinCallItem('ws_5', { recipient: 'browser.open', arguments: '{"id":9}' }, 'Invalid link id `9`.')?.status, 'failed');
    assert.equal(builtinCallItem('x', { recipient: 'functions.f', arguments: '{}' }, 'ok'), undefined);
  });

  it('python calls become code_interpreter_call items with the code and its logs', () => {
    const item = builtinCallItem('ci_1', { recipient: 'python', arguments: 'print(6*7)' }, '42\n', { containerId: 'cntr_1' });
    assert.deepEqual(item, { id: 'ci_1', type: 'code_interpreter_call', status: 'completed', code: 'print(6*7)', container_id: 'cntr_1', outputs: [{ type: 'logs', logs: '42\n' }] });
    assert.equal(builtinCallEventTypes(item!)[0], 'response.code_interpreter_call.in_progress');
    assert.equal(builtinCallEventTypes({ id: 'w', type: 'web_search_call', status: 'completed', action: { type: 'search', query: '', queries: [] } }).at(-1), 'response.web_search_call.completed');
  });
});
