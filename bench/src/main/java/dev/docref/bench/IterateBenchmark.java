package dev.docref.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;

/**
 * Iteration: the time of one full pass over every entry of a map pre-sized for {@code size} entries and filled with
 * {@code size} random keys, through the map's own allocation-free primitive {@code forEach} (see
 * {@link LongMap#entryChecksum()}); with {@code -prof gc}, the bytes allocated per pass. The score is milliseconds
 * per pass; divide by {@code size} for the time per entry ({@link QuickComparison} shows both).
 * <p>
 * A pre-sized map's table is as large as its pre-sizing made it, so maps with lower load factors scan more empty
 * slots per entry. The set-up checks one pass's checksum against one computed from the keys.
 * <p>
 * Run (all maps and sizes; 100M needs the 14 GiB fork heap):
 * <pre>
 *   mvn -B -q -pl bench -am package -DskipTests
 *   java -jar bench/target/benchmarks.jar IterateBenchmark -prof gc
 *   java -jar bench/target/benchmarks.jar IterateBenchmark -p size=10000000 -p kind=presized,fastutil -prof gc
 * </pre>
 */
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class IterateBenchmark extends MapBenchmark
{
    /**
     * A floor of the heap a fork holds at once: the map and its keys ({@link QuickComparison} refuses a smaller
     * {@code --heap}).
     */
    static long minForkHeapBytes(final LongMap.Kind kind, final int size)
    {
        return kind.minHeapBytes(size, false) + Keys.arrayBytes(size);
    }

    @Setup(Level.Trial)
    public void fill()
    {
        final long[] keys = Keys.distinct(size, Keys.KEY_SEED);
        map = Keys.fill(newMap(size), keys);
        final long expected = Keys.checksum(keys);
        final long actual = map.entryChecksum();
        if (actual != expected)
        {
            throw new IllegalStateException(map.getClass().getSimpleName() + " iteration checksum " + actual +
                " differs from the keys' " + expected);
        }
    }

    @Benchmark
    public long iterate()
    {
        return map.entryChecksum();
    }
}
