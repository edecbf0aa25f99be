import { succeeds } from './process.js';

let librdkafka: boolean | undefined;
let kcat: boolean | undefined;

/** gcc is present and can preprocess against librdkafka's mock-cluster header. */
export function hasLibrdkafka(): boolean {
  librdkafka ??= succeeds('gcc', ['-E', '-x', 'c', '-o', '/dev/null', '-'], '#include <librdkafka/rdkafka.h>\n#include <librdkafka/rdkafka_mock.h>\n');
  return librdkafka;
}

/** The kcat CLI is on PATH and runs. */
export function hasKcat(): boolean {
  kcat ??= succeeds('kcat', ['-V']);
  return kcat;
}
