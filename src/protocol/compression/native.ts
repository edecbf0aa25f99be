import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A native codec binding, loaded on first use rather than at import: each one is a dlopen plus
 * the binding's own platform probing (10-15 ms of start-up apiece), and most clients use one
 * codec or none.
 */
export function lazyBinding<T>(name: string): () => T {
  let binding: T | undefined;
  return () => (binding ??= require(name) as T);
}
