/**
 * A Redis for unit specs of classes that keep leases with Lua scripts (EVAL and
 * pipelines of EVAL): GET, SET (NX, XX, PX), DEL, PEXPIRE and PTTL on strings, with
 * expiry on the clock of `Date.now()` (so jest's fake timers move it), and EVAL that
 * really runs the script — a small Lua interpreter for what compare-and-set scripts
 * use (`local`, `if … then … elseif … else … end`, `return`, `==`, `~=`, `and`, `or`,
 * `not`, `KEYS[i]`, `ARGV[i]`, `redis.call(...)`). Specs then test the scripts the
 * code sends, not a copy of what they are meant to do. Share one between the workers
 * of a test. `failNextPipelineEntry()` / `failNextExec()` simulate a Redis blip.
 */
export function fakeScriptRedis() {
  const store = new Map<string, { value: string; expiresAt?: number }>();
  let failEntries = 0;
  let failExecs = 0;

  const live = (key: string) => {
    const entry = store.get(key);
    if (entry && entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return entry;
  };

  const commands = {
    get: (key: string): string | null => live(key)?.value ?? null,
    set: (key: string, value: string, ...options: string[]): 'OK' | null => {
      let px: number | undefined;
      let nx = false;
      let xx = false;
      for (let i = 0; i < options.length; i++) {
        const option = String(options[i]).toUpperCase();
        if (option === 'PX') px = Number(options[++i]);
        else if (option === 'NX') nx = true;
        else if (option === 'XX') xx = true;
        else throw new Error(`fakeScriptRedis: SET option ${option} not supported`);
      }
      const exists = live(key) !== undefined;
      if ((nx && exists) || (xx && !exists)) return null;
      store.set(key, { value: String(value), expiresAt: px === undefined ? undefined : Date.now() + px });
      return 'OK';
    },
    del: (...keys: string[]): number => keys.filter((key) => live(key) !== undefined && store.delete(key)).length,
    pexpire: (key: string, ms: string | number): number => {
      const entry = live(key);
      if (!entry) return 0;
      entry.expiresAt = Date.now() + Number(ms);
      return 1;
    },
    pttl: (key: string): number => {
      const entry = live(key);
      if (!entry) return -2;
      return entry.expiresAt === undefined ? -1 : entry.expiresAt - Date.now();
    },
  };

  const evalSync = (script: string, numKeys: number | string, ...rest: Array<string | number>) => {
    const n = Number(numKeys);
    const keys = rest.slice(0, n).map(String);
    const argv = rest.slice(n).map(String);
    return runLua(script, keys, argv, (name, args) => {
      const command = (commands as Record<string, (...a: string[]) => unknown>)[name.toLowerCase()];
      if (!command) throw new Error(`fakeScriptRedis: redis.call('${name}') not supported`);
      return command(...args);
    });
  };

  const redis = {
    store,
    get: jest.fn(async (key: string) => commands.get(key)),
    set: jest.fn(async (key: string, value: string, ...options: Array<string | number>) => commands.set(key, value, ...options.map(String))),
    del: jest.fn(async (...keys: string[]) => commands.del(...keys)),
    pexpire: jest.fn(async (key: string, ms: number) => commands.pexpire(key, ms)),
    pttl: jest.fn(async (key: string) => commands.pttl(key)),
    eval: jest.fn(async (script: string, numKeys: number | string, ...rest: Array<string | number>) => evalSync(script, numKeys, ...rest)),
    pipeline: jest.fn(() => {
      const queued: Array<() => unknown> = [];
      const pipeline = {
        eval: (script: string, numKeys: number | string, ...rest: Array<string | number>) => {
          queued.push(() => evalSync(script, numKeys, ...rest));
          return pipeline;
        },
        exec: async (): Promise<Array<[Error | null, unknown]>> => {
          if (failExecs > 0) {
            failExecs--;
            throw new Error('Connection is closed.');
          }
          return queued.map((run) => {
            if (failEntries > 0) {
              failEntries--;
              return [new Error('LOADING Redis is loading the dataset in memory'), null];
            }
            try {
              return [null, run()];
            } catch (err) {
              return [err as Error, null];
            }
          });
        },
      };
      return pipeline;
    }),
    /** The next pipeline entry (in exec order) answers an error instead of running. */
    failNextPipelineEntry(times = 1) {
      failEntries += times;
    },
    /** The next pipeline exec rejects as a dropped connection does. */
    failNextExec(times = 1) {
      failExecs += times;
    },
  };
  return redis;
}

// ---- a small Lua interpreter: just what compare-and-set scripts are written with ----

type LuaValue = string | number | boolean | null | LuaValue[] | { ok: string } | { call: (...args: LuaValue[]) => LuaValue };
type Token = { kind: 'name' | 'string' | 'number' | 'op' | 'eof'; text: string };

const KEYWORDS = new Set(['local', 'if', 'then', 'elseif', 'else', 'end', 'return', 'and', 'or', 'not', 'nil', 'false', 'true']);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (/\s/.test(c)) {
      i++;
    } else if (source.startsWith('--', i)) {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      let text = '';
      while (source[j] !== c) {
        if (j >= source.length) throw new Error('lua: unterminated string');
        if (source[j] === '\\') j++;
        text += source[j++];
      }
      tokens.push({ kind: 'string', text });
      i = j + 1;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(source.slice(i))!;
      tokens.push({ kind: 'number', text: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i))!;
      tokens.push({ kind: 'name', text: m[0] });
      i += m[0].length;
    } else {
      const two = source.slice(i, i + 2);
      if (two === '==' || two === '~=') {
        tokens.push({ kind: 'op', text: two });
        i += 2;
      } else if ('=()[],.;'.includes(c)) {
        tokens.push({ kind: 'op', text: c });
        i++;
      } else {
        throw new Error(`lua: unexpected character ${JSON.stringify(c)} (the fake runs only simple scripts)`);
      }
    }
  }
  tokens.push({ kind: 'eof', text: '' });
  return tokens;
}

type Expr = (env: Map<string, LuaValue>) => LuaValue;
type Stmt = (env: Map<string, LuaValue>) => { value: LuaValue } | undefined;

function truthy(v: LuaValue): boolean {
  return v !== null && v !== false;
}

function parse(tokens: Token[]): Stmt {
  let p = 0;
  const peek = () => tokens[p];
  const next = () => tokens[p++];
  const is = (text: string) => peek().text === text && (peek().kind === 'op' || peek().kind === 'name');
  const expect = (text: string) => {
    const t = next();
    if (t.text !== text) throw new Error(`lua: expected '${text}', found '${t.text}'`);
  };

  const block = (...terminators: string[]): Stmt => {
    const statements: Stmt[] = [];
    while (!terminators.some(is) && peek().kind !== 'eof') {
      statements.push(statement());
      if (is(';')) next();
    }
    return (env) => {
      for (const s of statements) {
        const r = s(env);
        if (r) return r;
      }
      return undefined;
    };
  };

  const statement = (): Stmt => {
    if (is('local')) {
      next();
      const name = next().text;
      expect('=');
      const value = expression();
      return (env) => void env.set(name, value(env));
    }
    if (is('return')) {
      next();
      const value = expression();
      return (env) => ({ value: value(env) });
    }
    if (is('if')) {
      next();
      const branches: Array<[Expr, Stmt]> = [];
      const cond = expression();
      expect('then');
      branches.push([cond, block('elseif', 'else', 'end')]);
      let otherwise: Stmt | undefined;
      for (;;) {
        if (is('elseif')) {
          next();
          const c = expression();
          expect('then');
          branches.push([c, block('elseif', 'else', 'end')]);
        } else if (is('else')) {
          next();
          otherwise = block('end');
        } else break;
      }
      expect('end');
      return (env) => {
        for (const [c, body] of branches) if (truthy(c(env))) return body(env);
        return otherwise?.(env);
      };
    }
    // An assignment or a call made for its effect.
    if (peek().kind === 'name' && tokens[p + 1]?.text === '=') {
      const name = next().text;
      next();
      const value = expression();
      return (env) => void env.set(name, value(env));
    }
    const call = expression();
    return (env) => void call(env);
  };

  const expression = (): Expr => or();
  const or = (): Expr => {
    let left = and();
    while (is('or')) {
      next();
      const l = left;
      const r = and();
      left = (env) => {
        const v = l(env);
        return truthy(v) ? v : r(env);
      };
    }
    return left;
  };
  const and = (): Expr => {
    let left = comparison();
    while (is('and')) {
      next();
      const l = left;
      const r = comparison();
      left = (env) => {
        const v = l(env);
        return truthy(v) ? r(env) : v;
      };
    }
    return left;
  };
  const comparison = (): Expr => {
    const left = unary();
    if (is('==') || is('~=')) {
      const op = next().text;
      const right = unary();
      // Lua compares without coercion: the string '1' is not the number 1.
      return op === '==' ? (env) => left(env) === right(env) : (env) => left(env) !== right(env);
    }
    return left;
  };
  const unary = (): Expr => {
    if (is('not')) {
      next();
      const v = unary();
      return (env) => !truthy(v(env));
    }
    return postfix();
  };
  const postfix = (): Expr => {
    let value = primary();
    for (;;) {
      if (is('[')) {
        next();
        const index = expression();
        expect(']');
        const target = value;
        value = (env) => {
          const t = target(env) as LuaValue[];
          return t[(index(env) as number) - 1] ?? null;
        };
      } else if (is('.')) {
        next();
        const field = next().text;
        const target = value;
        value = (env) => (target(env) as unknown as Record<string, LuaValue>)[field] ?? null;
      } else if (is('(')) {
        next();
        const args: Expr[] = [];
        while (!is(')')) {
          args.push(expression());
          if (is(',')) next();
        }
        next();
        const fn = value;
        value = (env) => (fn(env) as { call: (...a: LuaValue[]) => LuaValue }).call(...args.map((a) => a(env)));
      } else return value;
    }
  };
  const primary = (): Expr => {
    const t = next();
    if (t.kind === 'string') return () => t.text;
    if (t.kind === 'number') return () => Number(t.text);
    if (t.text === '(' && t.kind === 'op') {
      const v = expression();
      expect(')');
      return v;
    }
    if (t.kind === 'name') {
      if (t.text === 'nil') return () => null;
      if (t.text === 'false') return () => false;
      if (t.text === 'true') return () => true;
      if (KEYWORDS.has(t.text)) throw new Error(`lua: unexpected '${t.text}'`);
      return (env) => {
        if (!env.has(t.text)) throw new Error(`lua: ${t.text} is not defined here`);
        return env.get(t.text)!;
      };
    }
    throw new Error(`lua: unexpected '${t.text}'`);
  };

  const program = block();
  if (peek().kind !== 'eof') throw new Error(`lua: unexpected '${peek().text}'`);
  return program;
}

/** Runs `script` as EVAL would: Redis replies become Lua values and the result a Redis reply. */
function runLua(script: string, keys: string[], argv: string[], call: (name: string, args: string[]) => unknown): unknown {
  const toLua = (reply: unknown): LuaValue => {
    if (reply === null || reply === undefined) return false; // a nil bulk reply is false in Lua
    if (reply === 'OK') return { ok: 'OK' };
    return reply as LuaValue;
  };
  const redis = {
    call: {
      call: (name: LuaValue, ...args: LuaValue[]) => toLua(call(String(name), args.map((a) => String(a)))),
    },
  };
  const env = new Map<string, LuaValue>([
    ['KEYS', keys],
    ['ARGV', argv],
    ['redis', redis as unknown as LuaValue],
  ]);
  const result = parse(tokenize(script))(env)?.value ?? null;
  // Lua → Redis: numbers are integers, false is nil, true is 1, a status table its status.
  if (result === false || result === null) return null;
  if (result === true) return 1;
  if (typeof result === 'number') return Math.trunc(result);
  if (typeof result === 'object' && result && 'ok' in result) return result.ok;
  return result;
}
