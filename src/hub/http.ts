/**
 * The one fetch the hub code uses. Node 20's built-in fetch ignores HTTP(S)_PROXY, so requests go
 * through undici's fetch with an EnvHttpProxyAgent, which reads http_proxy/HTTP_PROXY,
 * https_proxy/HTTPS_PROXY and no_proxy/NO_PROXY (tunnelling with CONNECT) and connects directly when
 * none is set.
 */
import { EnvHttpProxyAgent, fetch as undiciFetch } from 'undici';

let agent: EnvHttpProxyAgent | undefined;
let agentKey = '';

function proxyKey(): string {
  const e = process.env;
  return [e['http_proxy'], e['HTTP_PROXY'], e['https_proxy'], e['HTTPS_PROXY'], e['no_proxy'], e['NO_PROXY']].join('\n');
}

/** The dispatcher for the current proxy variables (rebuilt when they change, as tests change them). */
function dispatcher(): EnvHttpProxyAgent {
  const key = proxyKey();
  if (!agent || key !== agentKey) {
    void agent?.close();
    agent = new EnvHttpProxyAgent();
    agentKey = key;
  }
  return agent;
}

/** A fetch with the web-standard signature, honouring the proxy variables (also handed to @huggingface/hub). */
export const hubFetch: typeof fetch = (input, init) =>
  // undici's fetch and the global one share their shapes; only the declared types differ.
  undiciFetch(input as Parameters<typeof undiciFetch>[0], {
    ...(init as Parameters<typeof undiciFetch>[1]),
    dispatcher: dispatcher(),
  }) as unknown as Promise<Response>;

export function authHeaders(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}
