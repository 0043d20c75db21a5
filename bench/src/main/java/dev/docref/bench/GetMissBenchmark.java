package dev.docref.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;

/**
 * Get miss: the average time of one {@code get} of a key the map does not hold, in a map pre-sized for
 * {@code size} entries and filled with {@code size} random keys; with {@code -prof gc}, the bytes allocated per get.
 * <p>
 * The {@code size} absent keys come from another seed (any that the map holds is replaced before measuring) and are
 * looked up in turn, each landing on a random slot. Built once per fork, outside the measurement.
 * <p>
 * Run (all maps and sizes, about 30 minutes; 100M needs the 14 GiB fork heap):
 * <pre>
 *   mvn -B -q -pl bench -am package -DskipTests
 *   java -jar bench/target/benchmarks.jar GetMissBenchmark -prof gc
 *   java -jar bench/target/benchmarks.jar GetMissBenchmark -p size=10000000 -p kind=presized,fastutil -prof gc
 * </pre>
 */
public class GetMissBenchmark extends MapBenchmark
{
    /**
     * A floor of the heap a fork holds at once: the map and one array of keys (the inserted keys while it fills, then
     * the absent ones); {@link QuickComparison} refuses a smaller {@code --heap}.
     */
    static long minForkHeapBytes(final LongMap.Kind kind, final int size)
    {
        return kind.minHeapBytes(size, false) + Keys.arrayBytes(size);
    }

    @Setup(Level.Trial)
    public void fill()
    {
        map = Keys.fill(newMap(size), Keys.distinct(size, Keys.KEY_SEED));
        keys = Keys.absent(size, Keys.MISS_SEED, map);
    }

    @Benchmark
    public long get()
    {
        return map.get(nextKey());
    }
}
