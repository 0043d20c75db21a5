package dev.docref.bench;

import java.util.Arrays;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Setup;

/**
 * Remove: the average time of one {@code remove} of a key the map holds, in a map pre-sized for {@code size}
 * entries, while it goes from full to half full; with {@code -prof gc}, the bytes allocated per remove.
 * <p>
 * Each invocation removes the next {@value MapBenchmark#CHUNK} keys in a shuffled order. When half the keys are
 * gone, a per-invocation set-up (outside the measurement; it does nothing otherwise) puts them back in another
 * shuffled order, so that {@code java.util.HashMap}'s re-allocated nodes do not sit in the order they are removed
 * in, and checks that the map is full again. The score is per remove.
 * <p>
 * Run (all maps and sizes, about 30 minutes; 100M needs the 14 GiB fork heap):
 * <pre>
 *   mvn -B -q -pl bench -am package -DskipTests
 *   java -jar bench/target/benchmarks.jar RemoveBenchmark -prof gc
 *   java -jar bench/target/benchmarks.jar RemoveBenchmark -p size=10000000 -p kind=presized,fastutil -prof gc
 * </pre>
 */
@OperationsPerInvocation(MapBenchmark.CHUNK)
public class RemoveBenchmark extends MapBenchmark
{
    private long[] removals;
    private long[] refills;

    @Setup(Level.Trial)
    public void fill()
    {
        Keys.requireSize(size, 2 * CHUNK, "RemoveBenchmark");
        keys = Keys.distinct(size, Keys.KEY_SEED);
        map = Keys.fill(newMap(size), keys);
        removals = Keys.shuffled(keys, Keys.SHUFFLE_SEED);
        refills = Keys.shuffled(Arrays.copyOf(removals, size / 2), Keys.SHUFFLE_SEED + 1);
    }

    @Setup(Level.Invocation)
    public void refillWhenHalfEmpty()
    {
        if (next == refills.length)
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
            next = 0;
        }
    }

    @Benchmark
    public long remove()
    {
        final LongMap map = this.map;
        final long[] removals = this.removals;
        long sum = 0;
        final int from = next;
        for (int i = from, to = from + CHUNK; i < to; i++)
        {
            sum += map.remove(removals[i]);
        }
        next = from + CHUNK;
        return sum;
    }
}
