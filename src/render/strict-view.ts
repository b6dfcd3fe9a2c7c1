/**
 * Strict reads for templates. Handlebars' own `strict` mode throws on absent keys but happily prints
 * empty strings and nulls ("Hi ,"), and it cannot tell a guard (`{{#if x}}`) from an output (`{{x}}`).
 *
 * A strict view wraps the context in proxies. Reading an empty value (undefined, null, blank text) or
 * an unknown key yields an "absent" marker instead of the value. The marker is truthy-looking to
 * JavaScript, so the `if`/`unless`/`with`/`each` helpers unwrap it (see helpers.ts); it records its
 * path only when converted to text, which is what printing it in a template does. So `{{#if x}}` is a
 * guard and `{{x}}` with x empty is a missing value, without the template saying anything special.
 */

/** Markers and the view proxies they came from, to let helpers recognise them. */
const absentMarkers = new WeakSet<object>();
const markerForView = new WeakMap<object, () => object>();

export interface StrictView<T> {
  root: T;
  /** Paths printed while empty, in the order the template first printed them. */
  missing(): string[];
}

export function isAbsent(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'string') return value.trim() === '';
  return typeof value === 'object' && absentMarkers.has(value);
}

/** The value, or undefined when the template would treat it as missing. */
export function present<T>(value: T): T | undefined {
  return isAbsent(value) ? undefined : value;
}

/**
 * What a helper returns when a collection has nothing to print: the absent marker for the collection's
 * own path inside a strict view, so the render reports it missing; plain '' outside one.
 */
export function absentFor(collection: unknown): unknown {
  const marker = typeof collection === 'object' && collection !== null && markerForView.get(collection);
  return marker ? marker() : '';
}

export function strictView<T extends object>(context: T): StrictView<T> {
  const missing = new Set<string>();

  const absent = (path: string): object => {
    const marker: object = new Proxy(
      {},
      {
        get(_target, key) {
          if (key === Symbol.toPrimitive) {
            return () => {
              missing.add(path);
              return '';
            };
          }
          return typeof key === 'string' ? absent(`${path}.${key}`) : undefined;
        },
        // Handlebars only returns own properties of context objects; a deeper read stays absent.
        getOwnPropertyDescriptor(_target, key) {
          return typeof key === 'string' ? { configurable: true, value: absent(`${path}.${key}`) } : undefined;
        },
      },
    );
    absentMarkers.add(marker);
    return marker;
  };

  const read = (target: object, key: string, path: string): unknown => {
    const value: unknown = Object.hasOwn(target, key) ? Reflect.get(target, key) : undefined;
    return isAbsent(value) ? absent(path) : wrap(value, path);
  };

  const wrap = (value: unknown, path: string): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    const isArray = Array.isArray(value);
    if (!isArray && Object.getPrototypeOf(value) !== Object.prototype) return value;
    const childPath = (key: string) => (isArray ? `${path}[${key}]` : path ? `${path}.${key}` : key);
    // Array methods and `length` behave normally; only element reads are strict.
    const isStrictKey = (target: object, key: string | symbol): key is string =>
      typeof key === 'string' && (!isArray || /^(0|[1-9]\d*)$/.test(key) || !(key in target));

    const view = new Proxy(value, {
      get(target, key) {
        return isStrictKey(target, key) ? read(target, key, childPath(key)) : Reflect.get(target, key);
      },
      getOwnPropertyDescriptor(target, key) {
        const own = Reflect.getOwnPropertyDescriptor(target, key);
        if (own || !isStrictKey(target, key)) return own;
        return { configurable: true, value: absent(childPath(key)) };
      },
    });
    markerForView.set(view, () => absent(path));
    return view;
  };

  // A private copy: proxies must not wrap frozen objects, and the caller's context stays untouched.
  const root = wrap(structuredClone(context), '') as T;
  return { root, missing: () => [...missing] };
}
