// Rendered manifests as plain objects, and the questions the deployment checks ask of
// them: which pod templates a selector picks, what environment a container really gets
// (ConfigMaps, Secrets, $(VAR) references resolved the way the kubelet resolves them).
import yaml from 'js-yaml';
import type { K8sObject } from './k8s-schema';

// Manifests are untyped YAML: `any` below is deliberate.
export type Obj = K8sObject & Record<string, any>;

export function parseYamlStream(text: string): Obj[] {
  return yaml.loadAll(text).filter((doc): doc is Obj => doc !== null && typeof doc === 'object');
}

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'Job'];

export class Manifests {
  constructor(readonly objects: Obj[]) {}

  ofKind(kind: string): Obj[] {
    return this.objects.filter((o) => o.kind === kind);
  }

  find(kind: string, name: string): Obj | undefined {
    return this.objects.find((o) => o.kind === kind && o.metadata.name === name);
  }

  get(kind: string, name: string): Obj {
    const found = this.find(kind, name);
    if (!found) throw new Error(`no ${kind} ${name} in the rendered manifests`);
    return found;
  }

  /** Deployments, StatefulSets and Jobs. */
  workloads(): Obj[] {
    return this.objects.filter((o) => WORKLOAD_KINDS.includes(o.kind));
  }

  /** Workloads whose pod template carries every label of `selector`. */
  selected(selector: Record<string, string>): Obj[] {
    return this.workloads().filter((w) => matches(selector, w.spec.template.metadata?.labels ?? {}));
  }

  /**
   * A ConfigMap or Secret by the name a reference uses. Generated ones carry a hash
   * suffix that kustomize also writes into every reference, so names match exactly.
   */
  data(kind: 'ConfigMap' | 'Secret', name: string): Record<string, string> | undefined {
    const object = this.find(kind, name);
    if (!object) return undefined;
    if (kind === 'ConfigMap') return { ...(object.data ?? {}) };
    const decoded = Object.fromEntries(Object.entries(object.data ?? {}).map(([k, v]) => [k, Buffer.from(String(v), 'base64').toString('utf8')]));
    return { ...decoded, ...(object.stringData ?? {}) };
  }
}

export function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

export interface EnvResolution {
  env: Record<string, string>;
  /** References to ConfigMaps/Secrets (name, key) that are not in the render. */
  external: Array<{ kind: 'ConfigMap' | 'Secret'; name: string; key?: string; optional: boolean }>;
  problems: string[];
}

/**
 * The environment a container gets. A Secret that is not in the render (prod: the
 * operator creates it) is read from `externalSecrets` when given (sample values), and
 * every such reference is listed in `external`.
 */
export function containerEnv(manifests: Manifests, container: any, externalSecrets: Record<string, Record<string, string>> = {}): EnvResolution {
  const env: Record<string, string> = {};
  const external: EnvResolution['external'] = [];
  const problems: string[] = [];
  const source = (kind: 'ConfigMap' | 'Secret', name: string) => manifests.data(kind, name) ?? (kind === 'Secret' ? externalSecrets[name] : undefined);

  for (const from of container.envFrom ?? []) {
    const kind = from.configMapRef ? 'ConfigMap' : 'Secret';
    const ref = from.configMapRef ?? from.secretRef;
    const data = source(kind, ref.name);
    if (!manifests.find(kind, ref.name)) external.push({ kind, name: ref.name, optional: Boolean(ref.optional) });
    if (!data) {
      if (!ref.optional) problems.push(`envFrom ${kind} ${ref.name} does not exist`);
      continue;
    }
    for (const [key, value] of Object.entries(data)) env[`${from.prefix ?? ''}${key}`] = value;
  }
  for (const entry of container.env ?? []) {
    if (entry.value !== undefined) {
      env[entry.name] = expand(String(entry.value), env);
    } else if (entry.valueFrom?.configMapKeyRef || entry.valueFrom?.secretKeyRef) {
      const kind = entry.valueFrom.configMapKeyRef ? 'ConfigMap' : 'Secret';
      const ref = entry.valueFrom.configMapKeyRef ?? entry.valueFrom.secretKeyRef;
      if (!manifests.find(kind, ref.name)) external.push({ kind, name: ref.name, key: ref.key, optional: Boolean(ref.optional) });
      const value = source(kind, ref.name)?.[ref.key];
      if (value !== undefined) env[entry.name] = value;
      else if (!ref.optional) problems.push(`${entry.name}: ${kind} ${ref.name} has no key ${ref.key}`);
    } else if (entry.valueFrom?.fieldRef || entry.valueFrom?.resourceFieldRef) {
      env[entry.name] = `<${entry.valueFrom.fieldRef?.fieldPath ?? entry.valueFrom.resourceFieldRef.resource}>`;
    } else {
      problems.push(`${entry.name}: no value`);
    }
  }
  return { env, external, problems };
}

/** The kubelet's $(VAR) expansion: variables defined earlier in the list; $$ escapes. */
function expand(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (all, name: string | undefined) => (name === undefined ? '$' : (env[name] ?? all)));
}

/** Kubernetes quantities to numbers (CPU in cores, memory in bytes). */
export function quantity(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = /^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(value);
  if (!match) throw new Error(`not a quantity: ${value}`);
  const factor: Record<string, number> = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
  return Number(match[1]) * (match[2] ? factor[match[2]] : 1);
}
