import { allApis } from './generated/index.js';
import type { AnyApi } from './schema.js';

/** Every API we can speak, by api key and by name (e.g. `apis.get('Metadata')`). */
export const apisByKey: ReadonlyMap<number, AnyApi> = new Map(allApis.map((a): [number, AnyApi] => [a.apiKey, a]));
export const apis: ReadonlyMap<string, AnyApi> = new Map(allApis.map((a): [string, AnyApi] => [a.name, a]));
