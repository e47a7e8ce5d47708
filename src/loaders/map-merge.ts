/**
 * ApplyConfiguration mutations: merge the apply configuration a MutatingAdmissionPolicy returns
 * into the object, approximating server-side apply's structured merge without the OpenAPI schema
 * the apiserver has:
 *   - maps (objects) merge key by key, recursively: fields the configuration does not name stay;
 *   - lists Kubernetes declares as maps (`x-kubernetes-list-type: map`) merge item by item on their
 *     keys; we know them by field name: containers, initContainers, ephemeralContainers, env,
 *     volumes, imagePullSecrets, resourceClaims, schedulingGates (key `name`), volumeMounts
 *     (`mountPath`), volumeDevices (`devicePath`), ports (`containerPort`+`protocol` in containers,
 *     `port`+`protocol` in Services, protocol defaulting to TCP), hostAliases (`ip`), ownerReferences (`uid`),
 *     topologySpreadConstraints (`topologyKey`+`whenUnsatisfiable`). A matching item is merged
 *     recursively, a new item is appended; items of the object the configuration does not name stay;
 *   - `finalizers` is a set: the union, in order;
 *   - every other list, and any list whose items lack the keys, is replaced by the configuration's
 *     (the apiserver would refuse to change such an atomic list: "may not mutate atomic arrays");
 *   - a scalar replaces; a null in the configuration is ignored.
 */

type Json = unknown;
type JsonMap = Record<string, Json>;

/** field name -> the key sets its items may be merged on (the first that fits every item wins) */
const LIST_MAP_KEYS: Record<string, readonly (readonly string[])[]> = {
  containers: [['name']],
  initContainers: [['name']],
  ephemeralContainers: [['name']],
  env: [['name']],
  volumes: [['name']],
  imagePullSecrets: [['name']],
  resourceClaims: [['name']],
  schedulingGates: [['name']],
  volumeMounts: [['mountPath']],
  volumeDevices: [['devicePath']],
  // container ports, then Service ports
  ports: [['containerPort', 'protocol'], ['port', 'protocol']],
  hostAliases: [['ip']],
  ownerReferences: [['uid']],
  topologySpreadConstraints: [['topologyKey', 'whenUnsatisfiable']],
};
const KEY_DEFAULTS: Record<string, string> = { protocol: 'TCP' };
const SET_LISTS = new Set(['finalizers']);

function isMap(value: Json): value is JsonMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object with the apply configuration merged in (a new object; `object` is not changed). */
export function mergeApplyConfiguration(object: JsonMap, configuration: JsonMap): JsonMap {
  return mergeMaps(object, configuration);
}

function mergeMaps(base: JsonMap, patch: JsonMap): JsonMap {
  const result: JsonMap = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || value === undefined) continue;
    result[key] = mergeValue(key, base[key], value);
  }
  return result;
}

function mergeValue(field: string, base: Json, patch: Json): Json {
  if (isMap(patch)) return isMap(base) ? mergeMaps(base, patch) : mergeMaps({}, patch);
  if (Array.isArray(patch)) {
    if (!Array.isArray(base)) return patch.map((item) => (isMap(item) ? mergeMaps({}, item) : item));
    if (SET_LISTS.has(field)) return union(base, patch);
    const keys = LIST_MAP_KEYS[field]?.find((candidate) => allKeyed(base, candidate) && allKeyed(patch, candidate));
    return keys ? mergeListMap(base as JsonMap[], patch as JsonMap[], keys) : patch;
  }
  return patch;
}

function keyOf(item: JsonMap, keys: readonly string[]): string {
  return JSON.stringify(keys.map((k) => item[k] ?? KEY_DEFAULTS[k] ?? null));
}

function allKeyed(list: Json[], keys: readonly string[]): boolean {
  return list.every((item) => isMap(item) && keys.some((k) => item[k] !== undefined) && keys.every((k) => item[k] !== undefined || k in KEY_DEFAULTS));
}

function mergeListMap(base: JsonMap[], patch: JsonMap[], keys: readonly string[]): JsonMap[] {
  const result = [...base];
  const index = new Map<string, number>();
  base.forEach((item, i) => index.set(keyOf(item, keys), i));
  for (const item of patch) {
    const key = keyOf(item, keys);
    const at = index.get(key);
    if (at === undefined) {
      index.set(key, result.length);
      result.push(mergeMaps({}, item));
    } else {
      result[at] = mergeMaps(result[at]!, item);
    }
  }
  return result;
}

function union(base: Json[], patch: Json[]): Json[] {
  const seen = new Set(base.map((v) => JSON.stringify(v)));
  const result = [...base];
  for (const item of patch) {
    const key = JSON.stringify(item);
    if (!seen.has(key)) {
      seen.add(key);
      result.push(item);
    }
  }
  return result;
}
