// Loads Prisma's schema engine (the WebAssembly build of the engine behind
// `prisma migrate`), once per process.
//
// Why by hand: the package's entry point imports the .wasm file as an ES module,
// which Node 20 cannot do, and its JS glue is an ES module that Jest (CommonJS, in
// its own realm) cannot require. So we read the glue's source, evaluate it here as
// a function (in this realm, so its `instanceof Promise` / `Uint8Array` checks match
// the driver adapter's objects) and instantiate the .wasm with it ourselves.
// The package version is pinned with Prisma's in package.json; the spec covers this.
import fs from 'node:fs';
import path from 'node:path';
import type { SchemaEngine } from './schema-engine.types';

// Node has WebAssembly, but our `lib` (ES2023, no DOM) does not declare it: the
// little we use is typed here.
interface WasmModuleImport { module: string; name: string }
type WasmExports = Record<string, unknown>;
type WasmImports = Record<string, Record<string, unknown>>;
declare const WebAssembly: {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: WasmImports): Promise<{ exports: WasmExports }>;
  Module: { imports(module: object): WasmModuleImport[] };
};

interface SchemaEngineWasm {
  SchemaEngine: typeof SchemaEngine;
  version(): string;
  __wbg_set_wasm(exports: WasmExports): void;
  [name: string]: unknown;
}

let loading: Promise<SchemaEngineWasm> | undefined;

/** The instantiated engine module; compiled once per process (it is 5 MB). */
export function loadSchemaEngineWasm(): Promise<SchemaEngineWasm> {
  loading ??= instantiate().catch((error: unknown) => {
    loading = undefined; // let a later call retry rather than cache the failure
    throw error;
  });
  return loading;
}

async function instantiate(): Promise<SchemaEngineWasm> {
  const packageDir = path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg'));
  const glue = evaluateGlue(fs.readFileSync(path.join(packageDir, 'schema_engine_bg.js'), 'utf8'));
  const compiled = await WebAssembly.compile(fs.readFileSync(path.join(packageDir, 'schema_engine_bg.wasm')));
  const { exports } = await WebAssembly.instantiate(compiled, importsFor(compiled, glue));
  glue.__wbg_set_wasm(exports);
  (exports.__wbindgen_start as () => void)();
  return glue;
}

/** Turns the glue's ES module source into an object of its exports. */
function evaluateGlue(source: string): SchemaEngineWasm {
  const names: string[] = [];
  const body = source.replace(/^export (function|class) ([\w$]+)/gm, (_all, kind: string, name: string) => {
    names.push(name);
    return `${kind} ${name}`;
  });
  if (/^\s*(import|export)\b/m.test(body) || !names.includes('SchemaEngine')) {
    throw new Error('@prisma/schema-engine-wasm: unexpected glue code shape; is the pinned version installed?');
  }
  // `module` is the glue's way to reach Node's require (for crypto).
  const factory = new Function('module', `'use strict';\n${body}\nreturn { ${names.join(', ')} };`);
  return factory(module) as SchemaEngineWasm;
}

/**
 * The glue's exports are the wasm module's imports. Timers the engine sets (a ~10 s
 * one is left behind after applyMigrations) are unref'd, so that a one-shot CLI
 * exits when its work is done instead of waiting for them.
 */
function importsFor(compiled: object, glue: SchemaEngineWasm): WasmImports {
  const imports: WasmImports = {};
  for (const { module: moduleName, name } of WebAssembly.Module.imports(compiled)) {
    const original = glue[name] as (...args: unknown[]) => unknown;
    const wrapped = /^__wbg_set(Timeout|Interval)_/.test(name)
      ? (...args: unknown[]) => {
          const timer = original(...args) as { unref?: () => void };
          timer?.unref?.();
          return timer;
        }
      : original;
    (imports[moduleName] ??= {})[name] = wrapped;
  }
  return imports;
}
