import type { Expr } from './expr.js';
import { NOTHING } from './expr.js';

/** The rules of a grammar under construction; a rule may be reserved before its body is known. */
export class RuleSet {
  readonly exprs: Expr[] = [];
  readonly paths: string[] = [];
  private readonly named = new Map<string, number>();

  reserve(path: string): number {
    this.exprs.push(NOTHING);
    this.paths.push(path);
    return this.exprs.length - 1;
  }

  define(rule: number, expr: Expr): void {
    this.exprs[rule] = expr;
  }

  /** A shared rule built once per name (e.g. 'any JSON value'). */
  shared(name: string, path: string, build: (rule: number) => Expr): number {
    const known = this.named.get(name);
    if (known !== undefined) return known;
    const rule = this.reserve(path);
    this.named.set(name, rule);
    this.define(rule, build(rule));
    return rule;
  }
}
