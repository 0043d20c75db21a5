/**
 * Measurement of {@code PresizedDocRefMap} against the maps users would pick instead, always in the same run:
 * {@link dev.docref.bench.GrowthPauseHarness} (one JVM per map, every put timed) and the {@link dev.docref.bench.LongMap}
 * adapters that let every map run the same loop.
 * <p>
 * Nothing here is thread-safe or meant for production use.
 */
package dev.docref.bench;
