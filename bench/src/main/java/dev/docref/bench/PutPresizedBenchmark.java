package dev.docref.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;

/**
 * Put into a pre-sized map: the time to fill a map constructed for {@code size} entries from empty with {@code size}
 * new random keys, that is {@code size} puts; with {@code -prof gc}, the bytes allocated per fill (a pre-sized
 * primitive map should allocate none; {@code java.util.HashMap} allocates a node and two boxes per put). The score is
 * milliseconds per fill; divide by {@code size} for the time per put ({@link QuickComparison} shows both).
 * <p>
 * Why a whole fill per invocation: a put into a nearly full table costs several times one into a nearly empty one
 * (docref's at 10M: about 140 ns over the first 70% of a fill, 350 ns over the rest), so a score must average over
 * whole fills. When each invocation put a fixed chunk of keys, a time-bounded iteration held part of a fill, and
 * which part decided its score: successive iterations of one fork alternated between about 140 and 350 ns per put.
 * <p>
 * Before each invocation a set-up (outside the measurement) checks the previous fill (the map's size and a sample of
 * its entries) and {@code clear()}s the map, which keeps its capacity. Each iteration runs at least one whole fill;
 * at 100M a fill takes tens of seconds, so use fewer iterations there ({@code -wi 1 -i 3}).
 * <p>
 * Run (100M needs the 14 GiB fork heap):
 * <pre>
 *   mvn -B -q -pl bench -am package -DskipTests
 *   java -jar bench/target/benchmarks.jar PutPresizedBenchmark -p size=1000000,10000000 -prof gc
 *   java -jar bench/target/benchmarks.jar PutPresizedBenchmark -p size=10000000 -p kind=presized,fastutil -prof gc
 *   java -jar bench/target/benchmarks.jar PutPresizedBenchmark -p size=100000000 -wi 1 -i 3 -prof gc
 * </pre>
 */
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class PutPresizedBenchmark extends MapBenchmark
{
    /**
     * A floor of the heap a fork holds at once: the keys and, after they are shuffled into a copy, the map filled
     * with them ({@link QuickComparison} refuses a smaller {@code --heap}).
     */
    static long minForkHeapBytes(final LongMap.Kind kind, final int size)
    {
        return Keys.arrayBytes(size) + Math.max(Keys.arrayBytes(size), kind.minHeapBytes(size, false));
    }

    @Setup(Level.Trial)
    public void createMap()
    {
        Keys.requireSize(size, 1, "PutPresizedBenchmark");
        keys = Keys.shuffled(Keys.distinct(size, Keys.KEY_SEED), Keys.SHUFFLE_SEED);
        map = newMap(size);
    }

    @Setup(Level.Invocation)
    public void emptyTheFilledMap()
    {
        if (map.size() != 0)
        {
            Keys.verifyFilled(map, keys);
            map.clear();
        }
    }

    @Benchmark
    public void fill()
    {
        putAll();
    }
}
