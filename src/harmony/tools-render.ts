/**
 * The `# Tools` section: tool namespaces and JSON Schema parameters rendered as the
 * TypeScript-like declarations the model was trained on. A line-for-line port of
 * `json_schema_to_typescript` and `template_tools_section` in openai/harmony `src/encoding.rs`;
 * its quirks (which defaults are quoted, where oneOf descriptions go) are kept on purpose.
 */
import { HarmonyRenderError } from './errors.js';
import type { JsonValue, ToolNamespaces } from './types.js';

type JsonObject = { [key: string]: JsonValue };

const MAX_SCHEMA_DEPTH = 64;

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** serde_json's `Value::get(key)`: a field of an object, nothing for any other value. */
function get(v: JsonValue | undefined, key: string): JsonValue | undefined {
  return isObject(v) && Object.prototype.hasOwnProperty.call(v, key) ? v[key] : undefined;
}

function str(v: JsonValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** serde_json's compact `Display` of a value. */
function jsonDisplay(v: JsonValue): string {
  return JSON.stringify(v);
}

function isEnum(schema: JsonValue): boolean {
  const e = get(schema, 'enum');
  return Array.isArray(e) && e.length > 0;
}

function isNullable(schema: JsonValue): boolean {
  return get(schema, 'nullable') === true;
}

/** The three-way default formatting harmony uses for properties and property-level oneOf. */
function defaultComment(schema: JsonValue, dflt: JsonValue): string {
  if (typeof dflt === 'string') return isEnum(schema) ? `default: ${dflt}` : `default: "${dflt}"`;
  return `default: ${jsonDisplay(dflt)}`;
}

/** Rust's `str::lines()`: split on \n, drop one trailing \r per line, no final empty line. */
export function rustLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

export function jsonSchemaToTypescript(schema: JsonValue, indent: string, depth = 0): string {
  if (depth > MAX_SCHEMA_DEPTH) {
    throw new HarmonyRenderError(`tool parameters: JSON Schema nested deeper than ${MAX_SCHEMA_DEPTH} levels cannot be rendered`);
  }
  const oneOf = get(schema, 'oneOf');
  if (Array.isArray(oneOf)) {
    let out = '';
    for (const variant of oneOf) {
      out += `\n${indent} | `;
      let typeStr = jsonSchemaToTypescript(variant, `${indent}   `, depth + 1);
      if (isNullable(variant) && !typeStr.includes('null')) typeStr = `${typeStr} | null`;
      out += typeStr;
      const trailing: string[] = [];
      const desc = str(get(variant, 'description'));
      if (desc !== undefined) trailing.push(desc);
      const dflt = get(variant, 'default');
      if (dflt !== undefined) {
        trailing.push(typeof dflt === 'string' && !isEnum(variant) ? `default: "${dflt}"` : `default: ${jsonDisplay(dflt)}`);
      }
      if (trailing.length > 0) out += ` // ${trailing.join(' ')}`;
    }
    return out;
  }

  const type = get(schema, 'type');
  if (Array.isArray(type)) {
    const names = type.filter((t): t is string => typeof t === 'string').map((t) => (t === 'integer' ? 'number' : t));
    if (names.length > 0) return names.join(' | ');
  }

  if (typeof type === 'string') {
    switch (type) {
      case 'object':
        return renderObject(schema as JsonObject, indent, depth);
      case 'string': {
        const e = get(schema, 'enum');
        if (Array.isArray(e)) {
          const values = e.filter((v): v is string => typeof v === 'string').map((v) => `"${v}"`);
          if (values.length > 0) return values.join(' | ');
        }
        return 'string';
      }
      case 'number':
      case 'integer':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'array': {
        const items = get(schema, 'items');
        return items === undefined ? 'Array<any>' : `${jsonSchemaToTypescript(items, indent, depth + 1)}[]`;
      }
      default:
        return 'any';
    }
  }
  // harmony's defensive second oneOf branch is unreachable for arrays (handled above).
  return 'any';
}

function renderObject(schema: JsonObject, indent: string, depth: number): string {
  let out = '';
  const desc = str(get(schema, 'description'));
  if (desc !== undefined) out += `${indent}// ${desc}\n`;
  out += '{\n';
  const props = get(schema, 'properties');
  if (isObject(props)) {
    const reqRaw = get(schema, 'required');
    const required = new Set(Array.isArray(reqRaw) ? reqRaw.filter((r): r is string => typeof r === 'string') : []);
    for (const [key, val] of Object.entries(props)) {
      const opt = required.has(key) ? '' : '?';
      const title = str(get(val, 'title'));
      if (title !== undefined) out += `${indent}// ${title}\n${indent}//\n`;
      const valOneOf = get(val, 'oneOf');
      if (valOneOf === undefined) {
        const d = str(get(val, 'description'));
        if (d !== undefined) out += `${indent}// ${d}\n`;
      }
      const examples = get(val, 'examples');
      if (Array.isArray(examples) && examples.length > 0) {
        out += `${indent}// Examples:\n`;
        for (const ex of examples) if (typeof ex === 'string') out += `${indent}// - "${ex}"\n`;
      }
      if (Array.isArray(valOneOf)) {
        out += renderPropertyOneOf(key, opt, val, valOneOf, indent, depth);
        continue;
      }
      out += `${indent}${key}${opt}: `;
      let typeStr = jsonSchemaToTypescript(val, `${indent}    `, depth + 1);
      if (isNullable(val) && !typeStr.includes('null')) typeStr = `${typeStr} | null`;
      out += `${typeStr},`;
      if (valOneOf === undefined) {
        const dflt = get(val, 'default');
        if (dflt !== undefined) out += ` // ${defaultComment(val, dflt)}`;
      }
      out += '\n';
    }
  }
  out += `${indent}}`;
  return out;
}

function renderPropertyOneOf(key: string, opt: string, val: JsonValue, variants: JsonValue[], indent: string, depth: number): string {
  let out = '';
  const propertyDesc = str(get(val, 'description'));
  // The property's description is not repeated when the first variant says the same thing.
  const skipPropertyDesc = propertyDesc !== undefined && str(get(variants[0], 'description')) === propertyDesc;
  let renderedAbove = false;
  if (!skipPropertyDesc && propertyDesc !== undefined) {
    out += `${indent}// ${propertyDesc}\n`;
    renderedAbove = true;
  }
  const dflt = get(val, 'default');
  if (dflt !== undefined) out += `${indent}// ${defaultComment(val, dflt)}\n`;
  out += `${indent}${key}${opt}:\n`;
  variants.forEach((variant, i) => {
    out += `${indent} | `;
    let typeStr = jsonSchemaToTypescript(variant, `${indent}   `, depth + 1);
    if (isNullable(variant) && !typeStr.includes('null')) typeStr = `${typeStr} | null`;
    out += typeStr;
    const trailing: string[] = [];
    if (!(i === 0 && renderedAbove)) {
      const d = str(get(variant, 'description'));
      if (d !== undefined && d !== propertyDesc) trailing.push(d);
    }
    const vd = get(variant, 'default');
    if (vd !== undefined) trailing.push(defaultComment(variant, vd));
    if (trailing.length > 0) out += ` // ${trailing.join(' ')}`;
    out += '\n';
  });
  out += `${indent},\n`;
  return out;
}

/** Keys in the order of harmony's BTreeMap<String, _>: by UTF-8 bytes. */
export function sortedKeys(map: Record<string, unknown>): string[] {
  // Code-point order is UTF-8 byte order (UTF-16 code-unit order is not, above U+FFFF).
  const cmp = (a: string, b: string): number => {
    const x = [...a];
    const y = [...b];
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const d = (x[i]?.codePointAt(0) ?? 0) - (y[i]?.codePointAt(0) ?? 0);
      if (d !== 0) return d;
    }
    return x.length - y.length;
  };
  return Object.keys(map).sort(cmp);
}

export function renderToolsSection(tools: ToolNamespaces): string {
  const sections = ['# Tools'];
  for (const key of sortedKeys(tools)) {
    const ns = tools[key];
    if (ns === undefined) continue;
    const lines = [`## ${ns.name}\n`];
    if (ns.description !== undefined) {
      for (const line of rustLines(ns.description)) lines.push(ns.tools.length > 0 ? `// ${line}` : line);
    }
    if (ns.tools.length > 0) {
      lines.push(`namespace ${ns.name} {\n`);
      for (const tool of ns.tools) {
        for (const line of rustLines(tool.description)) lines.push(`// ${line}`);
        if (tool.parameters !== undefined && tool.parameters !== null) {
          if (!isObject(tool.parameters) && typeof tool.parameters !== 'boolean') {
            throw new HarmonyRenderError(
              `tool '${ns.name}.${tool.name}': parameters must be a JSON Schema object, got ${jsonDisplay(tool.parameters).slice(0, 60)}`,
            );
          }
          lines.push(`type ${tool.name} = (_: ${jsonSchemaToTypescript(tool.parameters, '')}) => any;\n`);
        } else {
          lines.push(`type ${tool.name} = () => any;\n`);
        }
      }
      lines.push(`} // namespace ${ns.name}`);
    }
    sections.push(lines.join('\n'));
  }
  return sections.join('\n\n');
}
