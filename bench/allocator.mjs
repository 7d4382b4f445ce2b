// The allocator mode of benchmark processes. `ws`'s receiver copies every frame that spans two
// TCP reads (a 64 KiB frame always does) into fresh memory, and whether glibc has just handed that
// memory back to the kernel, so that the copy faults it in again, depends on timing (where V8's
// threads free the old buffers, when the heap top crosses the trim threshold), not on the client:
// the same client's 1 GiB download varied by 2x between runs here (430-1120 MB/s). In 'steady'
// mode (the default) every process, each client and its server alike, runs with glibc's heap
// trimming held back, so the figures measure the clients' code; 'system' keeps the defaults.
//   --malloc=steady|system   (BENCH_MALLOC)
const MiB = 1024 * 1024;
const STEADY = { MALLOC_TRIM_THRESHOLD_: String(256 * MiB), MALLOC_TOP_PAD_: String(64 * MiB) };

/** The mode asked for on the command line or in BENCH_MALLOC ('steady' unless told). */
export function allocatorMode(argv = process.argv) {
  const flag = argv.find((a) => a.startsWith('--malloc='));
  const mode = flag?.slice('--malloc='.length) ?? process.env.BENCH_MALLOC ?? 'steady';
  if (mode !== 'steady' && mode !== 'system') throw new Error(`--malloc must be 'steady' or 'system', not '${mode}'`);
  return mode;
}

/** The environment for a case process (its server inherits it). */
export function caseEnv(mode) {
  return mode === 'steady' ? { ...process.env, ...STEADY } : process.env;
}

/** One line for a results table. */
export function describeAllocator(mode) {
  return mode === 'steady'
    ? 'glibc heap trimming held back in every process (MALLOC_TRIM_THRESHOLD_=256 MiB, MALLOC_TOP_PAD_=64 MiB)'
    : "glibc's default heap trimming";
}
