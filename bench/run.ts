/**
 * Benchmark entry: `npm run bench -- <name> [args]` (i.e. `tsx bench/run.ts <name>`).
 * Each benchmark is a module exporting `run(args)`; add one by adding a line to BENCHES.
 */
export interface BenchModule {
  run(args: string[]): Promise<void>;
}

const BENCHES: Record<string, () => Promise<BenchModule>> = {
  codec: () => import('./codec.js'),
  broker: () => import('./broker.js'),
  produce: () => import('./produce.js'),
  consume: () => import('./consume.js'),
};

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const load = name === undefined ? undefined : BENCHES[name];
  if (load === undefined) {
    console.error(`usage: tsx bench/run.ts <${Object.keys(BENCHES).join('|')}> [args]`);
    process.exitCode = 2;
    return;
  }
  await (await load()).run(args);
}

await main();
