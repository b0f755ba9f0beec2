import { repoIdOf } from '../hub/index.js';
import { notFound } from './errors.js';
import type { ServedModel } from './served-model.js';

/**
 * The names requests may give the served model, one rule for /v1 and Ollama's /api: its id and
 * aliases, each also with Ollama's default tag (`name:latest`), Ollama's spelling of the released
 * models (`gpt-oss:20b` for gpt-oss-20b), and the hub names and aliases `gpt-oss pull` and `run`
 * resolve to the same repository (openai/gpt-oss-20b, gpt-oss, gpt-oss:latest for gpt-oss-20b).
 */

/** The Ollama names of the model; the first is the one /api/tags lists. */
export function ollamaNames(model: ServedModel): string[] {
  const names: string[] = [];
  const add = (n: string): void => {
    if (!names.includes(n)) names.push(n);
  };
  for (const n of [model.id, ...model.aliases]) {
    const tagged = /^(.*)-(\d+b)$/i.exec(n.split('/').pop() ?? n);
    if (tagged && /^gpt-oss$/i.test(tagged[1]!)) add(`gpt-oss:${tagged[2]!.toLowerCase()}`);
  }
  for (const n of [model.id, ...model.aliases]) {
    add(n.includes(':') ? n : `${n}:latest`);
    add(n);
  }
  return names;
}

export function isServedName(model: ServedModel, name: string): boolean {
  if (ollamaNames(model).includes(name)) return true;
  const repo = repoIdOf(name);
  return repo !== undefined && [model.id, ...model.aliases].some((n) => repoIdOf(n) === repo);
}

/** A request's `model` on /v1: absent, or a name of the served model; otherwise a 404 `model_not_found`. */
export function checkModelName(model: ServedModel, name: string | null | undefined): void {
  if (name === undefined || name === null || isServedName(model, name)) return;
  throw notFound(`The model '${name}' does not exist; this server serves '${model.id}' (see GET /v1/models)`, 'model', 'model_not_found');
}
