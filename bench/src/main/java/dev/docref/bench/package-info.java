/**
 * Measurement of {@code PresizedDocRefMap} against the maps users would pick instead, always in the same run:
 * <ul>
 *     <li>JMH benchmarks, one class per operation ({@link dev.docref.bench.GetHitBenchmark},
 *     {@link dev.docref.bench.GetMissBenchmark}, {@link dev.docref.bench.PutPresizedBenchmark},
 *     {@link dev.docref.bench.PutGrowingBenchmark}, {@link dev.docref.bench.RemoveBenchmark},
 *     {@link dev.docref.bench.IterateBenchmark}, {@link dev.docref.bench.GetAllBenchmark}),
 *     sharing {@link dev.docref.bench.MapBenchmark} and
 *     {@link dev.docref.bench.Keys}, each comparing the thread-safe and the single-threaded
 *     {@code PresizedDocRefMap} with the peers; and {@link dev.docref.bench.ReaderScalingBenchmark}, get throughput
 *     of 1 and 2 reader threads sharing one map;</li>
 *     <li>{@link dev.docref.bench.QuickComparison}, all of them at small sizes in a few minutes
 *     ({@code bench/run-comparison});</li>
 *     <li>{@link dev.docref.bench.GrowthPauseHarness} (one JVM per map, every put timed; in its reader mode,
 *     {@link dev.docref.bench.ReadersDuringGrowth}, every get of reader threads timed while one writer grows the
 *     map) and {@link dev.docref.bench.ScaleHarness} (one map grown towards 1B entries);</li>
 *     <li>{@link dev.docref.bench.MachineStalls}, a meter of the machine's own stalls (wake-ups that came late
 *     without the kernel's scheduler having given the CPU to anyone, read through
 *     {@link dev.docref.bench.SchedStat}): alone, a machine's floor; in the growth-pause harness
 *     ({@code --machine-stalls}), how much of each worst put the machine itself was stalled;</li>
 *     <li>{@link dev.docref.bench.FillProfile}, the time per put over each tenth of filling a pre-sized map;</li>
 *     <li>{@link dev.docref.bench.GrowthMemoryModel}, a simulation (no map allocated) of the bytes per entry of a map
 *     grown from empty, today and under size-class designs not built yet;</li>
 *     <li>{@link dev.docref.bench.SpillSimulation}, a simulation of random fills of one segment: how far its entries
 *     spill past its home slots, how often past its tail, against {@code PresizedDocRefMap.spillChance}'s bound (core's
 *     sizing reached through {@code dev.docref.core.SegmentSizing}, in this jar only);</li>
 *     <li>the {@link dev.docref.bench.LongMap} adapters that let every map run the same loop.</li>
 * </ul>
 * Thread-safety: nothing here is meant for production use. The tools are not thread-safe themselves; they run one
 * map per JVM (or per JMH fork) and close the maps they create. Only two places share a map between threads:
 * {@code ReaderScalingBenchmark} (readers only, no writer) and the reader mode, which shares the thread-safe
 * {@code PresizedDocRefMap} as it is and puts every other map behind a {@code ReentrantReadWriteLock}.
 */
package dev.docref.bench;
