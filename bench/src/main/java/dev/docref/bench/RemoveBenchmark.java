package dev.docref.bench;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;

/**
 * Remove: the time to remove half the keys of a map pre-sized for {@code size} entries and filled with {@code size}
 * random keys, in a shuffled order, so that it goes from full to half full; with {@code -prof gc}, the bytes
 * allocated per pass. The score is milliseconds per pass of {@code size / 2} removes; divide by {@code size / 2} for
 * the time per remove ({@link QuickComparison} shows both).
 * <p>
 * Why a whole pass per invocation: what a remove costs changes as the table empties, so a score must average over
 * whole passes, not over the part of one a time-bounded iteration happens to hold.
 * <p>
 * Before each invocation after the first, a set-up (outside the measurement) checks that the map holds the other
 * half, puts the removed keys back in another shuffled order, so that {@code java.util.HashMap}'s re-allocated nodes
 * do not sit in the order they are removed in, and checks that the map is full again. Each iteration runs at least
 * one whole pass; at 100M use fewer iterations ({@code -wi 1 -i 3}).
 * <p>
 * Run (100M needs the 14 GiB fork heap):
 * <pre>
 *   mvn -B -q -pl bench -am package -DskipTests
 *   java -jar bench/target/benchmarks.jar RemoveBenchmark -p size=1000000,10000000 -prof gc
 *   java -jar bench/target/benchmarks.jar RemoveBenchmark -p size=10000000 -p kind=presized,fastutil -prof gc
 * </pre>
 */
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class RemoveBenchmark extends MapBenchmark
{
    /** The smallest {@code size}: a pass removes half the entries, so it needs two. */
    static final int MIN_SIZE = 2;

    private long[] removals;
    private long[] refills;

    /**
     * A floor of the heap a fork holds at once: the map, its keys, their shuffled copy (the removals), and half of
     * that copied and shuffled again (the refills, two half arrays while it is made); {@link QuickComparison}
     * refuses a smaller {@code --heap}.
     */
    static long minForkHeapBytes(final LongMap.Kind kind, final int size)
    {
        return kind.minHeapBytes(size, false) + 2 * Keys.arrayBytes(size) + 2 * Keys.arrayBytes(size / 2);
    }

    @Setup(Level.Trial)
    public void fill()
    {
        Keys.requireSize(size, MIN_SIZE, "RemoveBenchmark");
        keys = Keys.distinct(size, Keys.KEY_SEED);
        map = Keys.fill(newMap(size), keys);
        removals = Keys.shuffled(keys, Keys.SHUFFLE_SEED);
        refills = Keys.shuffled(Arrays.copyOf(removals, size / 2), Keys.SHUFFLE_SEED + 1);
    }

    @Setup(Level.Invocation)
    public void refillWhenHalfEmpty()
    {
        if (map.size() != keys.length)
        {
            if (map.size() != keys.length - refills.length)
            {
                throw new IllegalStateException("map holds " + map.size() + " entries after removing " +
                    refills.length + " of " + keys.length);
            }
            for (final long key : refills)
            {
                map.set(key, 1);
            }
            if (map.size() != keys.length)
            {
                throw new IllegalStateException("map holds " + map.size() + " entries after refilling to " +
                    keys.length);
            }
        }
    }

    @Benchmark
    public long removeHalf()
    {
        final LongMap map = this.map;
        final long[] removals = this.removals;
        long sum = 0;
        for (int i = 0, to = refills.length; i < to; i++)
        {
            sum += map.remove(removals[i]);
        }
        return sum;
    }
}
