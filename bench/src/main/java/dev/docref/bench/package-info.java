/**
 * Measurement of {@code PresizedDocRefMap} against the maps users would pick instead, always in the same run:
 * <ul>
 *     <li>JMH benchmarks, one class per operation ({@link dev.docref.bench.GetHitBenchmark},
 *     {@link dev.docref.bench.GetMissBenchmark}, {@link dev.docref.bench.PutPresizedBenchmark},
 *     {@link dev.docref.bench.PutGrowingBenchmark}, {@link dev.docref.bench.RemoveBenchmark},
 *     {@link dev.docref.bench.IterateBenchmark}), sharing {@link dev.docref.bench.MapBenchmark} and
 *     {@link dev.docref.bench.Keys};</li>
 *     <li>{@link dev.docref.bench.QuickComparison}, all of them at small sizes in a few minutes
 *     ({@code bench/run-comparison});</li>
 *     <li>{@link dev.docref.bench.GrowthPauseHarness} (one JVM per map, every put timed) and
 *     {@link dev.docref.bench.ScaleHarness} (one map grown towards 1B entries);</li>
 *     <li>the {@link dev.docref.bench.LongMap} adapters that let every map run the same loop.</li>
 * </ul>
 * Nothing here is thread-safe or meant for production use: every benchmark and harness drives a map from one thread,
 * and closes the maps it creates.
 */
package dev.docref.bench;
