/**
 * Builds the CEL policy kinds from their documents: ValidatingAdmissionPolicy(+Binding) through
 * vap.ts and MutatingAdmissionPolicy(+Binding) through map.ts.
 */
import type { CelEnvironment } from '../cel/index.js';
import type { Policy } from '../engine/types.js';
import type { PortcullisConfig } from './config.js';
import { PolicyLoadError, type SourcedDocument } from './errors.js';

export interface BuildContext {
  cel?: CelEnvironment;
  config: PortcullisConfig;
}

type Builder = (docs: SourcedDocument[], ctx: { cel: CelEnvironment }) => { policies: Policy[]; errors: PolicyLoadError[] };

// TEMPORARY: vap.ts / map.ts are written concurrently; resolved dynamically until they exist.
async function optionalBuilder(module: string, name: string): Promise<Builder | undefined> {
  try {
    const loaded = (await import(module)) as Record<string, unknown>;
    return loaded[name] as Builder | undefined;
  } catch {
    return undefined;
  }
}

export async function buildPolicyKinds(docs: SourcedDocument[], ctx: BuildContext): Promise<{ policies: Policy[]; errors: PolicyLoadError[] }> {
  const policies: Policy[] = [];
  const errors: PolicyLoadError[] = [];
  const validating = docs.filter((d) => String(d.doc.kind).startsWith('Validating'));
  const mutating = docs.filter((d) => String(d.doc.kind).startsWith('Mutating'));
  for (const [group, module, name] of [
    [validating, './vap.js', 'buildValidatingPolicies'],
    [mutating, './map.js', 'buildMutatingPolicies'],
  ] as const) {
    if (group.length === 0) continue;
    const build = await optionalBuilder(module, name);
    if (!build) {
      for (const d of group) {
        errors.push(new PolicyLoadError('POLICY_KIND_UNSUPPORTED', d.file, `${d.doc.kind} is not supported yet by this build`, d.line));
      }
      continue;
    }
    const cel = ctx.cel ?? ((await import('../cel/index.js')) as { createCelEnvironment: () => CelEnvironment }).createCelEnvironment();
    const built = build(group, { cel });
    policies.push(...built.policies);
    errors.push(...built.errors);
  }
  return { policies, errors };
}
