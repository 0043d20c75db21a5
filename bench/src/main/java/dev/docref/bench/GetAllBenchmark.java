package dev.docref.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * Batched get: the average time per key of looking up {@value #KEYS_PER_CALL} keys the map holds, in batches of
 * {@code batch} keys, with docref's {@code getAll} ({@link #getAll()}) and with a plain loop of {@code get} over the
 * same batches ({@link #loopOfGet()}), in a map pre-sized for {@code size} entries and filled with {@code size} random
 * keys. Maps without a batched get run a loop of {@code get} in both methods.
 * <p>
 * Each call copies the next {@value #KEYS_PER_CALL} keys of a shuffled copy of the inserted keys into a small array,
 * as a database would gather a query's IN-list or a join's probe keys, then looks them up batch by batch into a
 * values array of the same length; both methods pay the same copy (about 0.1 ns per key). Keys, map and order are
 * built once per fork, outside the measurement; the map's contents are checked then.
 * <p>
 * Run (docref both ways and fastutil at 1M and 10M, about 15 minutes):
 * <pre>
 *   mvn -B -q -pl bench -am package -DskipTests
 *   java -jar bench/target/benchmarks.jar GetAllBenchmark -p kind=presized,presized_st,fastutil \
 *       -p size=1000000,10000000 -jvmArgs "-Xms4g -Xmx4g"
 * </pre>
 */
public class GetAllBenchmark extends MapBenchmark
{
    /** Keys looked up per benchmark call, in batches of {@link #batch}; the score is per key. */
    static final int KEYS_PER_CALL = 1024;

    /** Keys per {@code getAll} call (or per loop of {@code get}); divides {@value #KEYS_PER_CALL}. */
    @Param({"16", "64", "1024"})
    public int batch;

    private final long[] callKeys = new long[KEYS_PER_CALL];
    private final long[] values = new long[KEYS_PER_CALL];

    @Setup(Level.Trial)
    public void fill()
    {
        if (batch <= 0 || KEYS_PER_CALL % batch != 0)
        {
            throw new IllegalArgumentException("batch must divide " + KEYS_PER_CALL + " but was " + batch +
                "; use e.g. -p batch=16,64,1024");
        }
        final long[] inserted = Keys.distinct(Keys.requireSize(size, KEYS_PER_CALL, "GetAllBenchmark"),
            Keys.KEY_SEED);
        map = Keys.fill(newMap(size), inserted);
        keys = Keys.shuffled(inserted, Keys.SHUFFLE_SEED);
        // Both methods must find every key of a call, outside the measurement (the smoke test runs this too).
        final int batched = getAll();
        final int looped = loopOfGet();
        if (batched != KEYS_PER_CALL || looped != KEYS_PER_CALL)
        {
            throw new IllegalStateException(mapKind().id() + ": of " + KEYS_PER_CALL + " keys held, getAll found " +
                batched + " and a loop of get " + looped);
        }
        next = 0;
    }

    @Benchmark
    @OperationsPerInvocation(KEYS_PER_CALL)
    public int getAll()
    {
        final long[] callKeys = nextCallKeys();
        final long[] values = this.values;
        final LongMap map = this.map;
        final int batch = this.batch;
        int found = 0;
        for (int from = 0; from < KEYS_PER_CALL; from += batch)
        {
            found += map.getAll(callKeys, from, from + batch, values);
        }
        return found;
    }

    @Benchmark
    @OperationsPerInvocation(KEYS_PER_CALL)
    public int loopOfGet()
    {
        final long[] callKeys = nextCallKeys();
        final long[] values = this.values;
        final LongMap map = this.map;
        final int batch = this.batch;
        int found = 0;
        for (int from = 0; from < KEYS_PER_CALL; from += batch)
        {
            for (int i = from, to = from + batch; i < to; i++)
            {
                final long value = map.get(callKeys[i]);
                values[i] = value;
                found += value != LongMap.MISSING ? 1 : 0;
            }
        }
        return found;
    }

    /** The next {@value #KEYS_PER_CALL} keys of the shuffled order, from the start again once it is used up. */
    private long[] nextCallKeys()
    {
        final long[] keys = this.keys;
        int next = this.next;
        if (next + KEYS_PER_CALL > keys.length)
        {
            next = 0;
        }
        System.arraycopy(keys, next, callKeys, 0, KEYS_PER_CALL);
        this.next = next + KEYS_PER_CALL;
        return callKeys;
    }
}
