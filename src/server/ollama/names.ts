import type { ServedModel } from '../served-model.js';

/**
 * The names Ollama clients may use for the served model: its id and aliases, each also with
 * Ollama's default tag (`name:latest`), and Ollama's spelling of the released models
 * (`gpt-oss:20b` for gpt-oss-20b). The first is the one /api/tags lists.
 */
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
  return ollamaNames(model).includes(name);
}
