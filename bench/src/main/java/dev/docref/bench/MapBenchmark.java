package dev.docref.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What every JMH map benchmark shares: the {@code kind} and {@code size} parameters, the fork settings and the map.
 * <p>
 * JMH runs every parameter combination in its own forks, so a fork only ever sees one {@link LongMap} class and
 * every call site stays monomorphic: no map is helped or hurt by another map's class being loaded. Forks run with
 * bounds checks off ({@code -Ddocref.disable.bounds.checks=true}, prepended so {@code -jvmArgs} cannot drop it) and
 * a 14 GiB heap ({@code -Xms14g -Xmx14g}), enough for {@code java.util.HashMap<Long,Long>} at 100M entries (8 GiB
 * of nodes, boxes and table: 85.5 bytes per entry measured by {@link GrowthPauseHarness}) plus the key arrays;
 * override it with {@code -jvmArgs "-Xms4g -Xmx4g"} for small sizes. All state is built once per fork, outside the measurement.
 * <p>
 * {@code presized} is {@code PresizedDocRefMap} as built by default (thread-safe) and {@code presized_st} the same
 * map built with {@code Concurrency.SINGLE_THREADED}: the two rows side by side measure what thread safety costs a
 * single thread. Every benchmark here runs one thread ({@link ReaderScalingBenchmark} runs several); the state is
 * not shared. The trial tear-down closes the map (frees native memory).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsPrepend = "-Ddocref.disable.bounds.checks=true", jvmArgs = {"-Xms14g", "-Xmx14g"})
public abstract class MapBenchmark
{
    /** Puts or removes per invocation in the benchmarks that must reset their map between invocations. */
    public static final int CHUNK = 1000;

    /** The map, by {@link LongMap.Kind#id()}. */
    @Param({"presized", "presized_st", "fastutil", "agrona", "hppc", "eclipse", "hashmap"})
    public String kind;

    /** Entries in the map (the get, remove and iterate benchmarks) or entries per fill (the put benchmarks). */
    @Param({"1000000", "10000000", "100000000"})
    public int size;

    LongMap map;

    /** Keys in access order, taken in turn by {@link #nextKey()} or a chunk at a time. */
    long[] keys;
    /** Index of the next key in {@link #keys}. */
    int next;

    LongMap.Kind mapKind()
    {
        return LongMap.Kind.parse(kind);
    }

    /** The next key in {@link #keys}, wrapping to the first after the last. */
    final long nextKey()
    {
        final long[] keys = this.keys;
        final int i = next;
        next = Keys.following(i, keys.length);
        return keys[i];
    }

    /** Put the next {@link #CHUNK} keys, {@code keys[i] -> i}. */
    final void putChunk()
    {
        final LongMap map = this.map;
        final long[] keys = this.keys;
        final int from = next;
        for (int i = from, to = from + CHUNK; i < to; i++)
        {
            map.set(keys[i], i);
        }
        next = from + CHUNK;
    }

    @TearDown(Level.Trial)
    public void closeMap()
    {
        if (map != null)
        {
            map.close();
            map = null;
        }
    }
}
