package dev.docref.bench;

import java.util.concurrent.TimeUnit;

import dev.docref.core.PresizedDocRefMap;
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
 * bounds checks off ({@code -Ddocref.disable.bounds.checks=true}, prepended so {@code -jvmArgs} cannot drop it; a
 * {@code -jvmArgsPrepend} of one's own replaces it, so a docref trial in a JVM without the property fails, saying to
 * add it, see {@link #requireBoundsChecksChosen}) and
 * a 14 GiB heap ({@code -Xms14g -Xmx14g}), enough for {@code java.util.HashMap<Long,Long>} at 100M entries (8 GiB
 * of nodes, boxes and table: 85.5 bytes per entry measured by {@link GrowthPauseHarness}) plus the key arrays;
 * override it with {@code -jvmArgs "-Xms4g -Xmx4g"} for small sizes. All state is built once per fork, outside the
 * measurement.
 * <p>
 * {@code presized} is {@code PresizedDocRefMap} as built by default (thread-safe) and {@code presized_st} the same
 * map built with {@code Concurrency.SINGLE_THREADED}: the two rows side by side measure what thread safety costs a
 * single thread. {@code presized_compact} is the default map built with {@code growth(Growth.COMPACT)}, which
 * changes only how a map grows past its expected entries. Every benchmark here runs one thread
 * ({@link ReaderScalingBenchmark} runs several); the state is not shared. The trial tear-down closes the map (frees
 * native memory).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsPrepend = "-Ddocref.disable.bounds.checks=true", jvmArgs = {"-Xms14g", "-Xmx14g"})
public abstract class MapBenchmark
{
    /** The map, by {@link LongMap.Kind#id()}. */
    @Param({"presized", "presized_st", "presized_compact", "fastutil", "agrona", "hppc", "eclipse", "hashmap"})
    public String kind;

    /** Entries in the map (the get, remove and iterate benchmarks) or puts per fill (the put benchmarks). */
    @Param({"1000000", "10000000", "100000000"})
    public int size;

    /**
     * Every map's load factor: {@code default} (each map's own) or a number, e.g. {@code -p loadFactor=0.875}. A
     * number applies to every map but Eclipse Collections, whose constructor takes none; pair it with a size just
     * under a power of two times the factor (7,340,032 = 0.875 * 2^23) to run the power-of-two maps as full as
     * docref, see {@link LongMap.Kind#create(long, double)}.
     */
    @Param({"default"})
    public String loadFactor;

    /**
     * docref's {@code segmentBytes}: {@code default} (128 KiB) or a size such as {@code 8MiB} or {@code 1048576}, e.g.
     * {@code -p segmentBytes=64MiB}; the other maps have no segments and ignore it.
     */
    @Param({"default"})
    public String segmentBytes;

    LongMap map;

    /** Keys in access order, taken in turn by {@link #nextKey()} or a chunk at a time. */
    long[] keys;
    /** Index of the next key in {@link #keys}. */
    int next;

    LongMap.Kind mapKind()
    {
        return LongMap.Kind.parse(kind);
    }

    /** A map of this benchmark's kind and load factor, pre-sized for {@code expected} entries (0: empty). */
    LongMap newMap(final long expected)
    {
        requireBoundsChecksChosen(kind);
        return mapKind().create(expected, parseLoadFactor(loadFactor), parseSegmentBytes(segmentBytes));
    }

    /**
     * Fail a docref map's trial in a JVM that does not set {@value PresizedDocRefMap#DISABLE_BOUNDS_CHECKS_PROP_NAME}:
     * a {@code -jvmArgsPrepend} on JMH's command line (or {@code OptionsBuilder.jvmArgsPrepend}) replaces the
     * {@code @Fork}'s, which turns the bounds checks off, rather than adding to it, and the fork would time docref with
     * its bounds checks on against maps that have none, without a word. Set either way, {@code true} or {@code false}
     * (to measure the checks on purpose), the trial runs. The other maps have no such checks and always run.
     *
     * @throws IllegalStateException naming the property, why it is missing and the flags that fix it.
     */
    static void requireBoundsChecksChosen(final String kind)
    {
        if (!kind.startsWith("presized") && !kind.startsWith("docref") && !kind.startsWith("map_read"))
        {
            return;
        }
        if (System.getProperty(PresizedDocRefMap.DISABLE_BOUNDS_CHECKS_PROP_NAME) == null)
        {
            throw new IllegalStateException("this fork runs " + kind + " with docref's bounds checks on: it does not " +
                "set -D" + PresizedDocRefMap.DISABLE_BOUNDS_CHECKS_PROP_NAME + ", which the benchmark's @Fork " +
                "prepends, because a -jvmArgsPrepend on the command line replaces @Fork's jvmArgsPrepend. Add -D" +
                PresizedDocRefMap.DISABLE_BOUNDS_CHECKS_PROP_NAME + "=true to your -jvmArgsPrepend (or pass your " +
                "flags with -jvmArgsAppend instead), or =false to measure with the bounds checks on on purpose");
        }
    }

    /** {@code default} as 0, else a size as {@link ScaleHarness} reads it; the map's builder checks its range. */
    static int parseSegmentBytes(final String segmentBytes)
    {
        if ("default".equals(segmentBytes))
        {
            return 0;
        }
        final long bytes = ScaleHarness.Options.size("segmentBytes", segmentBytes);
        if (bytes > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("segmentBytes must be at most 64MiB but was '" + segmentBytes + "'");
        }
        return (int)bytes;
    }

    /** The {@code loadFactor} parameter, {@code default} as {@code NaN}, else the number, strictly between 0 and 1. */
    static double parseLoadFactor(final String loadFactor)
    {
        return parseLoadFactor(loadFactor, "loadFactor", "-p loadFactor=0.875");
    }

    /**
     * {@code default} as {@code NaN}, else the number, strictly between 0 and 1.
     *
     * @param name    what the error calls the setting: the parameter or a harness's flag.
     * @param example how to give it a good value, in the syntax of the command that took it.
     */
    static double parseLoadFactor(final String loadFactor, final String name, final String example)
    {
        if ("default".equals(loadFactor))
        {
            return Double.NaN;
        }
        try
        {
            final double f = Double.parseDouble(loadFactor);
            if (f > 0 && f < 1)
            {
                return f;
            }
        }
        catch (final NumberFormatException ex)
        {
            // Reported below.
        }
        throw new IllegalArgumentException(name + " must be 'default' or a number strictly between 0 and 1, " +
            "e.g. " + example + ", but was '" + loadFactor + "'");
    }

    /** The next key in {@link #keys}, wrapping to the first after the last. */
    final long nextKey()
    {
        final long[] keys = this.keys;
        final int i = next;
        next = Keys.following(i, keys.length);
        return keys[i];
    }

    /** Put every key, {@code keys[i] -> i}: one fill (or growth) of the put benchmarks. */
    final void putAll()
    {
        final LongMap map = this.map;
        final long[] keys = this.keys;
        for (int i = 0; i < keys.length; i++)
        {
            map.set(keys[i], i);
        }
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
