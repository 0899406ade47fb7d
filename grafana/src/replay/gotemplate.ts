// A small interpreter for the part of Go's text/template that Warren's alert annotations and Slack message
// templates use: {{ define }}, {{ template }}, if / else if / else, range, with, variables, pipelines,
// field chains, trim markers, and the functions Grafana offers (a subset). It exists so the tests can render
// the templates the way Grafana would and check every field they reference; it is not a general engine.

export type MissingKey = 'error' | 'default';

/** What Go prints for a missing map key in the default mode. */
export const NO_VALUE = '<no value>';

type Node =
  | { t: 'text'; text: string }
  | { t: 'action'; pipe: Pipeline }
  | { t: 'if'; pipe: Pipeline; then: Node[]; else: Node[] }
  | { t: 'with'; pipe: Pipeline; then: Node[]; else: Node[] }
  | { t: 'range'; pipe: Pipeline; then: Node[]; else: Node[] }
  | { t: 'template'; name: string; pipe: Pipeline | null };

interface Pipeline {
  decl: string | null;
  cmds: Operand[][];
}

type Operand =
  | { t: 'field'; base: 'dot' | string; path: string[] }
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'nil' }
  | { t: 'ident'; name: string }
  | { t: 'sub'; pipe: Pipeline };

export class TemplateError extends Error {}

/** Every field chain the templates read, e.g. ".Labels.cluster" or "$labels.group", for coverage checks. */
export interface FieldRef {
  base: string;
  path: string[];
}

// ---------------------------------------------------------------------------------------------------
// Lexing and parsing

interface Tok {
  kind: 'text' | 'action';
  text: string;
}

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      out.push({ kind: 'text', text: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    let start = open + 2;
    if (src[start] === '-' && /\s/.test(src[start + 1] ?? '')) {
      text = text.replace(/\s+$/, '');
      start += 1;
    }
    const close = src.indexOf('}}', start);
    if (close < 0) throw new TemplateError(`unclosed action at ${open}`);
    let end = close;
    let next = close + 2;
    let body = src.slice(start, end);
    if (/\s-$/.test(body)) {
      body = body.slice(0, -1);
      const rest = src.slice(next);
      next += rest.length - rest.replace(/^\s+/, '').length;
    }
    if (text) out.push({ kind: 'text', text });
    const trimmed = body.trim();
    if (!(trimmed.startsWith('/*') && trimmed.endsWith('*/'))) out.push({ kind: 'action', text: trimmed });
    i = next;
  }
  return out;
}

function words(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"' || c === '`') {
      let j = i + 1;
      while (j < s.length && s[j] !== c) j += c === '"' && s[j] === '\\' ? 2 : 1;
      out.push(s.slice(i, j + 1));
      i = j + 1;
    } else if (c === '(' || c === ')' || c === '|') {
      out.push(c);
      i++;
    } else {
      let j = i;
      while (j < s.length && !/[\s()|]/.test(s[j]!)) j++;
      out.push(s.slice(i, j));
      i = j;
    }
  }
  return out;
}

function parsePipeline(src: string): Pipeline {
  const ws = words(src);
  let pos = 0;
  let decl: string | null = null;
  if (ws.length >= 2 && ws[0]!.startsWith('$') && (ws[1] === ':=' || ws[1] === '=')) {
    decl = ws[0]!;
    pos = 2;
  }
  const parseCmds = (stopAtParen: boolean): Operand[][] => {
    const cmds: Operand[][] = [[]];
    while (pos < ws.length) {
      const w = ws[pos++]!;
      if (w === ')') {
        if (!stopAtParen) throw new TemplateError(`unexpected ) in "${src}"`);
        return cmds;
      }
      if (w === '|') {
        cmds.push([]);
        continue;
      }
      const cmd = cmds[cmds.length - 1]!;
      if (w === '(') {
        cmd.push({ t: 'sub', pipe: { decl: null, cmds: parseCmds(true) } });
      } else {
        cmd.push(operand(w));
      }
    }
    if (stopAtParen) throw new TemplateError(`missing ) in "${src}"`);
    return cmds;
  };
  const cmds = parseCmds(false);
  if (cmds.some((c) => c.length === 0)) throw new TemplateError(`empty command in "${src}"`);
  return { decl, cmds };
}

function operand(w: string): Operand {
  if (w.startsWith('"')) return { t: 'str', v: JSON.parse(w) as string };
  if (w.startsWith('`')) return { t: 'str', v: w.slice(1, -1) };
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(w)) return { t: 'num', v: Number(w) };
  if (w === 'true' || w === 'false') return { t: 'bool', v: w === 'true' };
  if (w === 'nil') return { t: 'nil' };
  if (w === '.') return { t: 'field', base: 'dot', path: [] };
  if (w.startsWith('.')) return { t: 'field', base: 'dot', path: w.slice(1).split('.') };
  if (w.startsWith('$')) {
    const [base, ...path] = w.split('.');
    return { t: 'field', base: base!, path };
  }
  if (/^[A-Za-z_]\w*$/.test(w)) return { t: 'ident', name: w };
  throw new TemplateError(`cannot parse operand "${w}"`);
}

export interface Parsed {
  main: Node[];
  defines: Map<string, Node[]>;
  refs: FieldRef[];
}

export function parseTemplate(src: string): Parsed {
  const toks = lex(src);
  const defines = new Map<string, Node[]>();
  const refs: FieldRef[] = [];
  let pos = 0;
  const collect = (p: Pipeline) => {
    const walk = (ops: Operand[]) => {
      for (const o of ops) {
        if (o.t === 'field' && o.path.length > 0) refs.push({ base: o.base, path: o.path });
        if (o.t === 'sub') o.pipe.cmds.forEach(walk);
      }
    };
    p.cmds.forEach(walk);
  };
  // Parses nodes until one of `stops` (an action keyword) and returns the nodes and the stop action.
  const block = (stops: string[]): [Node[], string] => {
    const nodes: Node[] = [];
    while (pos < toks.length) {
      const tok = toks[pos++]!;
      if (tok.kind === 'text') {
        nodes.push({ t: 'text', text: tok.text });
        continue;
      }
      const a = tok.text;
      const kw = a.split(/\s+/)[0]!;
      if (stops.includes(kw)) return [nodes, a];
      if (kw === 'if' || kw === 'with' || kw === 'range') {
        nodes.push(control(kw, a.slice(kw.length)));
      } else if (kw === 'define') {
        const name = JSON.parse(a.slice(6).trim()) as string;
        const [body] = block(['end']);
        defines.set(name, body);
      } else if (kw === 'template') {
        const rest = words(a.slice(8));
        const name = JSON.parse(rest[0]!) as string;
        const pipe = rest.length > 1 ? parsePipeline(a.slice(8).trim().slice(rest[0]!.length)) : null;
        if (pipe) collect(pipe);
        nodes.push({ t: 'template', name, pipe });
      } else if (kw === 'end' || kw === 'else') {
        throw new TemplateError(`unexpected {{ ${a} }}`);
      } else {
        const pipe = parsePipeline(a);
        collect(pipe);
        nodes.push({ t: 'action', pipe });
      }
    }
    if (stops.length > 0) throw new TemplateError(`missing {{ ${stops.join(' or ')} }}`);
    return [nodes, ''];
  };
  const control = (kw: 'if' | 'with' | 'range', rest: string): Node => {
    const pipe = parsePipeline(rest.trim());
    collect(pipe);
    const [then, stop] = block(['else', 'end']);
    let otherwise: Node[] = [];
    if (stop.startsWith('else')) {
      const elseRest = stop.slice(4).trim();
      if (elseRest.startsWith('if ') || elseRest.startsWith('with ')) {
        const kw2 = elseRest.startsWith('if ') ? 'if' : 'with';
        otherwise = [control(kw2, elseRest.slice(kw2.length))];
      } else {
        [otherwise] = block(['end']);
      }
    }
    return { t: kw, pipe, then, else: otherwise };
  };
  const [main] = block([]);
  return { main, defines, refs };
}

// ---------------------------------------------------------------------------------------------------
// Evaluation

export type Funcs = Record<string, (...args: unknown[]) => unknown>;

const MISSING = Symbol('missing');

function truthy(v: unknown): boolean {
  if (v === MISSING || v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** Go's %v for the values the templates print. */
export function goString(v: unknown): string {
  if (v === MISSING || v === undefined) return NO_VALUE;
  if (v === null) return '<nil>';
  if (typeof v === 'number') {
    if (Number.isInteger(v) && Math.abs(v) < 1e21) return Math.abs(v) >= 1e21 ? v.toExponential() : String(v);
    return String(v);
  }
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `map[${entries.map(([k, x]) => `${k}:${goString(x)}`).join(' ')}]`;
  }
  return String(v);
}

function sprintf(format: string, args: unknown[]): string {
  let i = 0;
  return format.replace(/%(-?\d*)(?:\.(\d+))?([sdvfgq%])/g, (_m, _w: string, prec: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    const a = args[i++];
    switch (verb) {
      case 'd':
        return String(Math.trunc(Number(a)));
      case 'f':
        return Number(a).toFixed(prec === undefined ? 6 : Number(prec));
      case 'g':
        return String(Number(a));
      case 'q':
        return JSON.stringify(goString(a));
      default:
        return goString(a);
    }
  });
}

/** Prometheus' humanize: SI prefixes with 4 significant digits. */
export function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const prefixes = ['', 'k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
  let x = v;
  let p = 0;
  if (Math.abs(x) >= 1) {
    while (Math.abs(x) >= 1000 && p < prefixes.length - 1) {
      x /= 1000;
      p++;
    }
    return `${Number(x.toPrecision(4))}${prefixes[p]}`;
  }
  const small = ['', 'm', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];
  while (Math.abs(x) < 1 && p < small.length - 1) {
    x *= 1000;
    p++;
  }
  return `${Number(x.toPrecision(4))}${small[p]}`;
}

/** Go's `%.4g`: 4 significant digits, no trailing zeros, exponent form for very large or small values. */
function g4(v: number): string {
  if (v === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(v)));
  if (exp < -4 || exp >= 4) {
    const [mantissa, e] = v.toExponential(3).split('e') as [string, string];
    const m = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
    const n = Number(e);
    return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return String(Number(v.toPrecision(4)));
}

/**
 * Prometheus' humanizeDuration (which Grafana's alert templates use): seconds as `1d 2h 3m 4s`, `5m 0s`,
 * `42.5s`, or with an SI prefix below one second (`250ms`).
 */
export function humanizeDuration(seconds: number): string {
  let v = seconds;
  if (Number.isNaN(v) || !Number.isFinite(v)) return g4(v);
  if (v === 0) return '0s';
  if (Math.abs(v) >= 1) {
    const sign = v < 0 ? '-' : '';
    v = Math.abs(v);
    const whole = Math.trunc(v);
    const s = whole % 60;
    const m = Math.trunc(whole / 60) % 60;
    const h = Math.trunc(whole / 3600) % 24;
    const d = Math.trunc(whole / 86_400);
    if (d !== 0) return `${sign}${d}d ${h}h ${m}m ${s}s`;
    if (h !== 0) return `${sign}${h}h ${m}m ${s}s`;
    if (m !== 0) return `${sign}${m}m ${s}s`;
    return `${sign}${g4(v)}s`;
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${g4(v)}${prefix}s`;
}

function eqValues(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  return a === b;
}

export const BUILTINS: Funcs = {
  eq: (a, ...bs) => bs.some((b) => eqValues(a, b)),
  ne: (a, b) => !eqValues(a, b),
  lt: (a, b) => (a as number) < (b as number),
  le: (a, b) => (a as number) <= (b as number),
  gt: (a, b) => (a as number) > (b as number),
  ge: (a, b) => (a as number) >= (b as number),
  and: (...xs) => xs.find((x) => !truthy(x)) ?? xs[xs.length - 1],
  or: (...xs) => xs.find((x) => truthy(x)) ?? xs[xs.length - 1],
  not: (x) => !truthy(x),
  len: (x) => (Array.isArray(x) || typeof x === 'string' ? x.length : Object.keys(x as object).length),
  index: (m, k) => {
    const v = (m as Record<string, unknown>)[k as string];
    return v === undefined ? '' : v;
  },
  printf: (f, ...a) => sprintf(String(f), a),
  print: (...a) => a.map(goString).join(''),
  urlquery: (...a) => encodeURIComponent(a.map(goString).join('')).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
  toUpper: (s) => goString(s).toUpperCase(),
  toLower: (s) => goString(s).toLowerCase(),
  title: (s) => goString(s).replace(/\b\w/g, (c) => c.toUpperCase()),
  humanize: (v) => humanize(Number(v)),
  humanizeDuration: (v) => humanizeDuration(Number(v)),
};

interface Scope {
  dot: unknown;
  vars: Map<string, unknown>;
}

export interface RenderOptions {
  missingKey: MissingKey;
  funcs?: Funcs;
  /** Templates defined elsewhere (Grafana's notification templates), by name. */
  defines?: Map<string, Node[]>;
}

export class Renderer {
  private readonly defines: Map<string, Node[]>;
  private readonly funcs: Funcs;
  private readonly opts: RenderOptions;
  constructor(opts: RenderOptions) {
    this.opts = opts;
    this.defines = new Map(opts.defines ?? []);
    this.funcs = { ...BUILTINS, ...(opts.funcs ?? {}) };
  }

  addDefines(parsed: Parsed): void {
    for (const [k, v] of parsed.defines) this.defines.set(k, v);
  }

  render(src: string, data: unknown, vars: Record<string, unknown> = {}): string {
    const parsed = parseTemplate(src);
    this.addDefines(parsed);
    const scope: Scope = { dot: data, vars: new Map([['$', data], ...Object.entries(vars)]) };
    return this.exec(parsed.main, scope);
  }

  private exec(nodes: Node[], scope: Scope): string {
    let out = '';
    for (const n of nodes) {
      switch (n.t) {
        case 'text':
          out += n.text;
          break;
        case 'action': {
          const v = this.pipe(n.pipe, scope);
          if (n.pipe.decl === null) out += goString(v);
          break;
        }
        case 'if': {
          const inner: Scope = { dot: scope.dot, vars: new Map(scope.vars) };
          out += truthy(this.pipe(n.pipe, inner)) ? this.exec(n.then, inner) : this.exec(n.else, inner);
          break;
        }
        case 'with': {
          const inner: Scope = { dot: scope.dot, vars: new Map(scope.vars) };
          const v = this.pipe(n.pipe, inner);
          out += truthy(v) ? this.exec(n.then, { dot: v, vars: inner.vars }) : this.exec(n.else, inner);
          break;
        }
        case 'range': {
          const v = this.pipe(n.pipe, scope);
          const items = Array.isArray(v) ? v : v && typeof v === 'object' ? Object.values(v) : [];
          if (items.length === 0) out += this.exec(n.else, scope);
          for (const item of items) out += this.exec(n.then, { dot: item, vars: new Map(scope.vars) });
          break;
        }
        case 'template': {
          const body = this.defines.get(n.name);
          if (!body) throw new TemplateError(`no such template "${n.name}"`);
          const dot = n.pipe ? this.pipe(n.pipe, scope) : undefined;
          out += this.exec(body, { dot, vars: new Map([['$', dot]]) });
          break;
        }
      }
    }
    return out;
  }

  private pipe(p: Pipeline, scope: Scope): unknown {
    let prev: unknown = MISSING;
    let first = true;
    for (const cmd of p.cmds) {
      prev = this.command(cmd, scope, first ? MISSING : prev, !first);
      first = false;
    }
    if (p.decl) scope.vars.set(p.decl, prev);
    return prev;
  }

  private command(cmd: Operand[], scope: Scope, piped: unknown, hasPiped: boolean): unknown {
    const head = cmd[0]!;
    if (head.t === 'ident') {
      const fn = this.funcs[head.name];
      if (!fn) throw new TemplateError(`function "${head.name}" not defined`);
      const args = cmd.slice(1).map((o) => this.operand(o, scope));
      if (hasPiped) args.push(piped);
      return fn(...args.map((a) => (a === MISSING ? undefined : a)));
    }
    if (cmd.length > 1 || hasPiped) throw new TemplateError('can only pipe into a function');
    return this.operand(head, scope);
  }

  private operand(o: Operand, scope: Scope): unknown {
    switch (o.t) {
      case 'str':
      case 'num':
      case 'bool':
        return o.v;
      case 'nil':
        return null;
      case 'ident': {
        const fn = this.funcs[o.name];
        if (!fn) throw new TemplateError(`function "${o.name}" not defined`);
        return fn();
      }
      case 'sub':
        return this.pipe(o.pipe, scope);
      case 'field': {
        let v: unknown;
        if (o.base === 'dot') {
          v = scope.dot;
        } else {
          if (!scope.vars.has(o.base)) throw new TemplateError(`undefined variable: ${o.base}`);
          v = scope.vars.get(o.base);
        }
        const seen: string[] = [];
        for (const key of o.path) {
          seen.push(key);
          if (v === null || v === undefined || v === MISSING || typeof v !== 'object') {
            if (v === MISSING && this.opts.missingKey === 'default') return MISSING;
            throw new TemplateError(`can't evaluate field ${key} in ${o.base}.${seen.join('.')}`);
          }
          const rec = v as Record<string, unknown>;
          if (!(key in rec)) {
            if (this.opts.missingKey === 'error') throw new TemplateError(`map has no entry for key "${key}"`);
            v = MISSING;
            continue;
          }
          v = typeof rec[key] === 'function' ? (rec[key] as () => unknown).call(rec) : rec[key];
        }
        return v;
      }
    }
  }
}
