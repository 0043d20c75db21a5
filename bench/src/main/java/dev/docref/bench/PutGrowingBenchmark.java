package dev.docref.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;

/**
 * Put while growing from empty: the time to grow a map constructed empty (default settings) to {@code size} entries
 * by putting {@code size} new random keys; with {@code -prof gc}, the bytes allocated per growth, which includes
 * every array a resize allocates. The score is milliseconds per growth; divide by {@code size} for the average time
 * per put ({@link QuickComparison} shows both).
 * <p>
 * Why a whole growth per invocation: what a put costs depends on where the growth is (a resize, a wave of splits, a
 * nearly full table), so a score must average over whole growths; a time-bounded iteration of fixed chunks of puts
 * held part of one, and which part decided its score.
 * <p>
 * Before each invocation a set-up (outside the measurement) checks the previous growth (the map's size and a sample
 * of its entries), closes that map, runs {@code System.gc()} so the dropped map is not collected inside the next
 * growth, and starts a new empty map. Garbage a map makes while growing (the arrays a resize retires) is collected
 * during the measurement, as it would be in an application. Each iteration runs at least one whole growth; at 100M
 * a growth takes about a minute, so use fewer iterations there ({@code -wi 1 -i 3}).
 * <p>
 * This is the average; the worst single put while growing is what {@link GrowthPauseHarness} measures.
 * <p>
 * Run (100M needs the 14 GiB fork heap):
 * <pre>
 *   mvn -B -q -pl bench -am package -DskipTests
 *   java -jar bench/target/benchmarks.jar PutGrowingBenchmark -p size=1000000,10000000 -prof gc
 *   java -jar bench/target/benchmarks.jar PutGrowingBenchmark -p size=100000000 -wi 1 -i 3 -prof gc
 * </pre>
 */
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class PutGrowingBenchmark extends MapBenchmark
{
    /**
     * A floor of the heap a fork holds at once: the keys and, after they are shuffled into a copy, one map grown to
     * them, with its last two tables during its last resize where they are counted (fastutil's); the previous
     * growth's map is dropped and collected before the next is made. {@link QuickComparison} refuses a smaller
     * {@code --heap}.
     */
    static long minForkHeapBytes(final LongMap.Kind kind, final int size)
    {
        return Keys.arrayBytes(size) + Math.max(Keys.arrayBytes(size), kind.minHeapBytes(size, true));
    }

    @Setup(Level.Trial)
    public void createMap()
    {
        Keys.requireSize(size, 1, "PutGrowingBenchmark");
        keys = Keys.shuffled(Keys.distinct(size, Keys.KEY_SEED), Keys.SHUFFLE_SEED);
        map = newMap(0);
    }

    @Setup(Level.Invocation)
    public void replaceTheGrownMap()
    {
        if (map.size() != 0)
        {
            Keys.verifyFilled(map, keys);
            map.close();
            map = null;
            System.gc();
            map = newMap(0);
        }
    }

    @Benchmark
    public void grow()
    {
        putAll();
    }
}
