// Offline validation of rendered Kubernetes objects against the API's schemas, twice:
//  1. kubernetes-models' JSON-schema validators (types, required fields, enums, formats)
//     for the model class of the object's apiVersion and kind (an unknown kind fails);
//  2. unknown fields, which those validators let through (a misspelled `readinesProbe`
//     would be dropped by the API server without a word): the objects are type-checked
//     as TypeScript object literals against kubernetes-models' interfaces, where every
//     property not in the API is an excess-property error at its exact path.
// The schemas are Kubernetes 1.27's: a field added later counts as unknown.
import path from 'node:path';
import ts from 'typescript';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

const ROOT = path.resolve(__dirname, '../..');

/** kubernetes-models' module for an apiVersion: `apps/v1` → kubernetes-models/apps/v1, `v1` → kubernetes-models/v1. */
function modelModule(apiVersion: string): string {
  return `kubernetes-models/${apiVersion}`;
}

type ModelClass = new (data: unknown) => { validate(): void };

/** Problems found by the JSON-schema validators, one line per object ("Kind/name: message"). */
export function schemaProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const object of objects) {
    const label = `${object.kind}/${object.metadata?.name}`;
    let models: Record<string, unknown>;
    try {
      models = require(modelModule(object.apiVersion)) as Record<string, unknown>;
    } catch {
      problems.push(`${label}: unknown apiVersion ${object.apiVersion}`);
      continue;
    }
    const Model = models[object.kind] as ModelClass | undefined;
    if (typeof Model !== 'function') {
      problems.push(`${label}: unknown kind ${object.kind} in ${object.apiVersion}`);
      continue;
    }
    try {
      new Model(withoutLineBreaksInBytes(object)).validate();
    } catch (error) {
      problems.push(`${label}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return problems;
}

/**
 * kustomize wraps a generated Secret's base64 values at 70 columns; the API server's
 * decoder skips the line breaks, the validators' "byte" format does not.
 */
function withoutLineBreaksInBytes(object: K8sObject): K8sObject {
  if (object.kind !== 'Secret' || !object.data) return object;
  const data = Object.fromEntries(Object.entries(object.data as Record<string, string>).map(([k, v]) => [k, String(v).replace(/[\r\n]/g, '')]));
  return { ...object, data };
}

/**
 * Unknown (or mistyped) fields, found by type-checking each object as a literal of its
 * kubernetes-models interface. One line per problem: "Kind/name: message".
 */
export function unknownFieldProblems(objects: K8sObject[]): string[] {
  // A virtual file inside the repository, so `kubernetes-models` resolves from node_modules.
  const file = path.join(ROOT, 'test', 'deploy', '__rendered_manifests__.ts');
  const starts: Array<{ line: number; label: string }> = [];
  let line = 0;
  const chunks = objects.map((object, i) => {
    const chunk = `export const o${i}: import(${JSON.stringify(modelModule(object.apiVersion))}).I${object.kind} = ${JSON.stringify(object, null, 1)};\n`;
    starts.push({ line, label: `${object.kind}/${object.metadata?.name}` });
    line += chunk.split('\n').length - 1;
    return chunk;
  });
  const source = chunks.join('');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) => (name === file ? ts.createSourceFile(name, source, language) : getSourceFile.call(host, name, language, ...rest));
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? source : readFile.call(host, name));
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (!diagnostic.file || diagnostic.start === undefined || diagnostic.file.fileName !== file) return message;
    const at = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line;
    const owner = [...starts].reverse().find((s) => s.line <= at);
    return `${owner?.label ?? '?'}: ${message}`;
  });
}
