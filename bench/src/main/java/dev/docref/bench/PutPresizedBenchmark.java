package dev.docref.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Setup;

/**
 * Put into a pre-sized map: the average time of one {@code put} of a new random key into a map constructed for
 * {@code size} entries, averaged over filling it from empty to {@code size}; with {@code -prof gc}, the bytes
 * allocated per put (a pre-sized primitive map should allocate none; {@code java.util.HashMap} allocates a node and
 * two boxes).
 * <p>
 * Each invocation puts the next {@value MapBenchmark#CHUNK} keys of a shuffled key array. When all {@code size} keys
 * are in, a per-invocation set-up (outside the measurement; it does nothing otherwise) checks the map's size and
 * {@code clear()}s it, which keeps its capacity, so the next round fills the same pre-sized map again. The score is
 * per put.
 * <p>
 * Run (all maps and sizes, about 30 minutes; 100M needs the 14 GiB fork heap):
 * <pre>
 *   mvn -B -q -pl bench -am package -DskipTests
 *   java -jar bench/target/benchmarks.jar PutPresizedBenchmark -prof gc
 *   java -jar bench/target/benchmarks.jar PutPresizedBenchmark -p size=10000000 -p kind=presized,fastutil -prof gc
 * </pre>
 */
@OperationsPerInvocation(MapBenchmark.CHUNK)
public class PutPresizedBenchmark extends MapBenchmark
{
    @Setup(Level.Trial)
    public void createMap()
    {
        Keys.requireSize(size, CHUNK, "PutPresizedBenchmark");
        keys = Keys.shuffled(Keys.distinct(size, Keys.KEY_SEED), Keys.SHUFFLE_SEED);
        map = newMap(size);
    }

    @Setup(Level.Invocation)
    public void clearWhenFull()
    {
        if (next == keys.length)
        {
            Keys.verifyFilled(map, keys);
            map.clear();
            next = 0;
        }
    }

    @Benchmark
    public void put()
    {
        putChunk();
    }
}
