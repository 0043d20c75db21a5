package dev.docref.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Setup;

/**
 * Put while growing from empty: the average time of one {@code put} of a new random key into a map constructed
 * empty (default settings), averaged over growing it to {@code size} entries; with {@code -prof gc}, the bytes
 * allocated per put, which includes every array a resize allocates.
 * <p>
 * Each invocation puts the next {@value MapBenchmark#CHUNK} keys of a shuffled key array. When all {@code size} keys
 * are in, a per-invocation set-up (outside the measurement; it does nothing otherwise) checks the map, closes it,
 * runs {@code System.gc()} so the dropped map is not collected inside the next round's measurement, and starts a new
 * empty map. Garbage a map makes while growing (the arrays a resize retires) is collected during the measurement, as
 * it would be in an application. The score is per put, averaged over whole rounds when an iteration spans several;
 * at 100M one round takes about a minute, so use iterations of a minute or more there ({@code -r 60s}).
 * <p>
 * This is the average; the worst single put while growing is what {@link GrowthPauseHarness} measures.
 * <p>
 * Run (all maps and sizes; 100M needs the 14 GiB fork heap):
 * <pre>
 *   mvn -B -q -pl bench -am package -DskipTests
 *   java -jar bench/target/benchmarks.jar PutGrowingBenchmark -p size=1000000,10000000 -prof gc
 *   java -jar bench/target/benchmarks.jar PutGrowingBenchmark -p size=100000000 -w 60s -r 60s -wi 1 -i 3 -prof gc
 * </pre>
 */
@OperationsPerInvocation(MapBenchmark.CHUNK)
public class PutGrowingBenchmark extends MapBenchmark
{
    @Setup(Level.Trial)
    public void createMap()
    {
        Keys.requireSize(size, CHUNK, "PutGrowingBenchmark");
        keys = Keys.shuffled(Keys.distinct(size, Keys.KEY_SEED), Keys.SHUFFLE_SEED);
        map = newMap(0);
    }

    @Setup(Level.Invocation)
    public void restartWhenFull()
    {
        if (next == keys.length)
        {
            Keys.verifyFilled(map, keys);
            map.close();
            map = null;
            System.gc();
            map = newMap(0);
            next = 0;
        }
    }

    @Benchmark
    public void put()
    {
        putChunk();
    }
}
