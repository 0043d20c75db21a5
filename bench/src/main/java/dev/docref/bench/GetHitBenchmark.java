package dev.docref.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;

/**
 * Get hit: the average time of one {@code get} of a key the map holds, in a map pre-sized for {@code size} entries
 * and filled with {@code size} random keys; with {@code -prof gc}, the bytes allocated per get.
 * <p>
 * The lookups walk a shuffled copy of the inserted keys, so each get lands on a random slot (or, for
 * {@code java.util.HashMap}, a random node: insertion order would have been allocation order, which prefetching
 * favours). At 1M entries some of the table fits in the 2 MiB+ caches; 10M and 100M measure memory-bound lookups.
 * Keys, map and order are built once per fork, outside the measurement; the map's contents are checked then.
 * <p>
 * Run (all maps and sizes, about 30 minutes; 100M needs the 14 GiB fork heap):
 * <pre>
 *   mvn -B -q -pl bench -am package -DskipTests
 *   java -jar bench/target/benchmarks.jar GetHitBenchmark -prof gc
 *   java -jar bench/target/benchmarks.jar GetHitBenchmark -p size=10000000 -p kind=presized,fastutil -prof gc
 * </pre>
 */
public class GetHitBenchmark extends MapBenchmark
{
    /**
     * A floor of the heap a fork holds at once: the map, the inserted keys and their shuffled copy, made while both
     * are held ({@link QuickComparison} refuses a smaller {@code --heap}).
     */
    static long minForkHeapBytes(final LongMap.Kind kind, final int size)
    {
        return kind.minHeapBytes(size, false) + 2 * Keys.arrayBytes(size);
    }

    @Setup(Level.Trial)
    public void fill()
    {
        final long[] inserted = Keys.distinct(size, Keys.KEY_SEED);
        map = Keys.fill(newMap(size), inserted);
        keys = Keys.shuffled(inserted, Keys.SHUFFLE_SEED);
    }

    @Benchmark
    public long get()
    {
        return map.get(nextKey());
    }
}
