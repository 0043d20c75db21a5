package dev.docref.bench;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every {@link LongMap} adapter behaves as the benchmarks assume, checked against {@code java.util.HashMap}. */
class LongMapTest
{
    @ParameterizedTest
    @EnumSource(LongMap.Kind.class)
    void adapterMatchesAModelThroughPutGetRemoveIterateAndClear(final LongMap.Kind kind)
    {
        final long[] keys = Keys.distinct(20_000, 42);
        final Map<Long, Long> model = new HashMap<>();
        try (LongMap map = kind.create(0))
        {
            for (int i = 0; i < keys.length; i++)
            {
                map.set(keys[i], i);
                model.put(keys[i], (long)i);
            }
            map.set(0L, 7);
            model.put(0L, 7L);
            for (int i = 0; i < keys.length; i += 3)
            {
                assertEquals(i, map.remove(keys[i]));
                model.remove(keys[i]);
            }
            assertEquals(LongMap.MISSING, map.remove(keys[0]), "second remove of the same key");
            assertEquals(model.size(), map.size());
            long expected = 0;
            for (final Map.Entry<Long, Long> entry : model.entrySet())
            {
                assertEquals(entry.getValue(), map.get(entry.getKey()), "get " + entry.getKey());
                expected += LongMap.Checksum.of(entry.getKey(), entry.getValue());
            }
            assertEquals(LongMap.MISSING, map.get(keys[3]));
            assertEquals(expected, map.entryChecksum());
            assertEquals(expected, map.entryChecksum(), "a second pass gives the same checksum");

            map.clear();
            assertEquals(0, map.size());
            assertEquals(LongMap.MISSING, map.get(keys[1]));
            assertEquals(0, map.entryChecksum());
        }
    }

    /**
     * Agrona's largest table is 2^29 slots (one array of 2 longs per slot, at most 2^30 elements): pre-sizing for
     * more is refused before anything is allocated, naming what was asked, the most it holds and what to do.
     */
    @Test
    void agronaPreSizedBeyondItsLargestTableIsRefused()
    {
        final IllegalArgumentException defaultFactor = assertThrows(IllegalArgumentException.class,
            () -> LongMap.Kind.AGRONA.create(500_000_000L));
        assertTrue(defaultFactor.getMessage().contains("500,000,000") &&
            defaultFactor.getMessage().contains("at most 348,966,080 entries at load factor 0.65") &&
            defaultFactor.getMessage().contains("leave agrona out"), defaultFactor.getMessage());
        final IllegalArgumentException justPast = assertThrows(IllegalArgumentException.class,
            () -> LongMap.Kind.AGRONA.create(348_966_081L));
        assertTrue(justPast.getMessage().contains("348,966,081"), justPast.getMessage());
        final IllegalArgumentException otherFactor = assertThrows(IllegalArgumentException.class,
            () -> LongMap.Kind.AGRONA.create(500_000_000L, 0.875, 0));
        assertTrue(otherFactor.getMessage().contains("at most 469,762,048 entries at load factor 0.875"),
            otherFactor.getMessage());
    }

    @ParameterizedTest
    @EnumSource(value = LongMap.Kind.class, names = "ECLIPSE", mode = EnumSource.Mode.EXCLUDE)
    void aMapWithAnExplicitLoadFactorHoldsWhatItWasPreSizedFor(final LongMap.Kind kind)
    {
        final int n = 50_000;
        final long[] keys = Keys.distinct(n, 11);
        try (LongMap map = Keys.fill(kind.create(n, 0.875, 1 << 20), keys))
        {
            assertEquals(n, map.size());
            for (int i = 0; i < n; i += 97)
            {
                assertEquals(i, map.get(keys[i]));
            }
        }
    }

    @Test
    void theLoadFactorAndSegmentSizeReachDocrefAndEclipseRefusesALoadFactor()
    {
        final int n = 200_000;
        try (LongMap dense = LongMap.Kind.PRESIZED.create(n, Double.NaN, 0);
             LongMap sparse = LongMap.Kind.PRESIZED_ST.create(n, 0.5, 0);
             LongMap big = LongMap.Kind.PRESIZED.create(n, Double.NaN, 8 << 20))
        {
            // 16-byte slots: about 18.3 bytes per entry at the default 0.875, 32 at 0.5.
            assertTrue(sparse.offHeapBytes() > 1.6 * dense.offHeapBytes(),
                sparse.offHeapBytes() + " bytes at 0.5 against " + dense.offHeapBytes() + " at the default");
            // 200,000 entries fit one 8 MiB segment: one allocation of the whole segment.
            assertEquals(big.offHeapBytes(), big.largestNativeAllocationBytes());
            assertTrue(dense.largestNativeAllocationBytes() <= 128 * 1024);
        }
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> LongMap.Kind.ECLIPSE.create(10, 0.875, 0));
        assertTrue(ex.getMessage().contains("0.875") && ex.getMessage().contains("no load factor"), ex.getMessage());
        assertEquals(0.875, MapBenchmark.parseLoadFactor("0.875"));
        assertTrue(Double.isNaN(MapBenchmark.parseLoadFactor("default")));
        assertEquals(0, MapBenchmark.parseSegmentBytes("default"));
        assertEquals(64 << 20, MapBenchmark.parseSegmentBytes("64MiB"));
        final IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
            () -> MapBenchmark.parseLoadFactor("1.2"));
        assertTrue(bad.getMessage().contains("'1.2'") && bad.getMessage().contains("strictly between 0 and 1"),
            bad.getMessage());
    }

    /** Catches an adapter that passes an entry count where its map wants a table size (Agrona did). */
    @ParameterizedTest
    @EnumSource(value = LongMap.Kind.class, names = "HASHMAP", mode = EnumSource.Mode.EXCLUDE)
    void fillingAPresizedPrimitiveMapToItsExpectedSizeAllocatesNothingOnTheHeap(final LongMap.Kind kind)
    {
        final int n = 200_000;
        final long[] keys = Keys.distinct(n, 7);
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        try (LongMap map = kind.create(n))
        {
            final long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < n; i++)
            {
                map.set(keys[i], i);
            }
            final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertEquals(n, map.size());
            // A resize of n entries would allocate at least 16 bytes per entry (3.2 MB).
            assertTrue(allocated < 64 * 1024, kind + " allocated " + allocated + " bytes filling a map pre-sized for " +
                n + " entries");
        }
    }
}
