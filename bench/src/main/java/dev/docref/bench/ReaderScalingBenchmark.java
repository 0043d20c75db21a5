package dev.docref.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * Reader scaling: the total throughput of get hits by 1 and by 2 reader threads sharing one map pre-sized for
 * {@code size} entries and filled with {@code size} random keys, with no writer; the score is gets per microsecond
 * summed over the readers, so perfect scaling doubles it from {@code oneReader} to {@code twoReaders}.
 * <p>
 * {@code presized} is the thread-safe {@code PresizedDocRefMap} (every get a seqlock read: a stamp load, the probe,
 * a fence and a second stamp load). {@code presized_st} and {@code fastutil} are maps that are not thread-safe, read
 * here without a lock, which is safe only because nothing writes while they are read (the map is filled in the
 * trial set-up, before JMH starts the readers): they show what the same machine gives when reads share nothing but
 * memory bandwidth, so a shortfall of {@code presized} against their scaling is the seqlock's, and a shortfall of all
 * three is the machine's. On a 2-CPU machine two readers take both CPUs, so JMH's own control thread and the
 * operating system share them too.
 * <p>
 * Each reader walks the same shuffled copy of the keys from its own starting point ({@code size / threads} apart),
 * so readers do not touch the same slots in lock step. State is built once per fork, outside the measurement, and
 * the map's contents are checked then. JMH runs each method with its {@link Threads} count; {@code -t N} overrides
 * both (for more readers on larger machines). The map is closed in the trial tear-down.
 * <p>
 * Run (about 4 minutes):
 * <pre>
 *   mvn -B -q -pl bench -am package -DskipTests
 *   java -jar bench/target/benchmarks.jar ReaderScalingBenchmark
 *   java -jar bench/target/benchmarks.jar ReaderScalingBenchmark -p size=10000000 -p kind=presized -t 4
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsPrepend = "-Ddocref.disable.bounds.checks=true", jvmArgs = {"-Xms4g", "-Xmx4g"})
public class ReaderScalingBenchmark
{
    /** The map, by {@link LongMap.Kind#id()}: the thread-safe map and, for reference, two maps read without a lock. */
    @Param({"presized", "presized_st", "fastutil"})
    public String kind;

    /** Entries in the map. */
    @Param({"1000000", "10000000"})
    public int size;

    LongMap map;
    /** Keys in access order, shared read-only by every reader. */
    long[] keys;

    /** A floor of the heap a fork holds at once: as {@link GetHitBenchmark}'s, whose set-up this one's is. */
    static long minForkHeapBytes(final LongMap.Kind kind, final int size)
    {
        return GetHitBenchmark.minForkHeapBytes(kind, size);
    }

    @Setup(Level.Trial)
    public void fill()
    {
        MapBenchmark.requireBoundsChecksChosen(kind);
        final long[] inserted = Keys.distinct(size, Keys.KEY_SEED);
        map = Keys.fill(LongMap.Kind.parse(kind).create(size), inserted);
        keys = Keys.shuffled(inserted, Keys.SHUFFLE_SEED);
    }

    @TearDown(Level.Trial)
    public void closeMap()
    {
        map.close();
        map = null;
    }

    /** One reader's position in the shared key order. */
    @State(Scope.Thread)
    public static class Reader
    {
        long[] keys;
        int next;

        @Setup(Level.Trial)
        public void start(final ReaderScalingBenchmark shared, final ThreadParams threads)
        {
            keys = shared.keys;
            next = (int)((long)keys.length * threads.getThreadIndex() / threads.getThreadCount());
        }

        long nextKey()
        {
            final long[] keys = this.keys;
            final int i = next;
            next = Keys.following(i, keys.length);
            return keys[i];
        }
    }

    @Benchmark
    @Threads(1)
    public long oneReader(final Reader reader)
    {
        return map.get(reader.nextKey());
    }

    @Benchmark
    @Threads(2)
    public long twoReaders(final Reader reader)
    {
        return map.get(reader.nextKey());
    }
}
