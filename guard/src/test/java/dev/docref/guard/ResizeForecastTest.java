package dev.docref.guard;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.function.IntConsumer;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

import com.carrotsearch.hppc.HashContainers;
import com.carrotsearch.hppc.LongLongHashMap;
import it.unimi.dsi.fastutil.HashCommon;
import it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap;
import org.agrona.collections.Int2IntHashMap;
import org.agrona.collections.Long2LongHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.docref.guard.AllocationGuard.MODE_PROP_NAME;
import static dev.docref.guard.GuardTesting.guard;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Forecasts against the real structures wherever they can be observed: table lengths through reflection (the
 * surefire argLine opens {@code java.util} for {@code HashMap.table}), and the bytes a resize allocates through the
 * thread's allocation counter.
 */
class ResizeForecastTest
{
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();

    @Test
    void theSeedHashbrownTableDoublesToThreePointThreeSixGigabytesOnTheNextInsert()
    {
        final ResizeForecast forecast = ResizeForecast.hashbrown(58_720_256, 24);
        assertEquals(1L << 26, forecast.slots());
        assertEquals(58_720_256, forecast.capacity(), "7/8 of 2^26");
        assertEquals(1, forecast.insertsUntilResize());
        assertEquals(58_720_257, forecast.resizeAtSize());
        assertEquals(1L << 27, forecast.nextSlots());
        assertEquals((1L << 27) * 25 + 16, forecast.nextResizeBytes(), "2^27 x (24 + 1 control byte) + 16");
        assertEquals(3_355_443_216L, forecast.nextResizeBytes());
        assertEquals((1L << 26) * 25 + 16, forecast.currentBytes());
        assertEquals("hashbrown-style 7/8 table (24-byte entries) with 58,720,256 entries in 2^26 slots (capacity " +
            "58,720,256): the next insert (entry 58,720,257) allocates 2^27 × 25 bytes ≈ 3.36 GB " +
            "(3,355,443,216 bytes = 3.13 GiB) while the current 1.68 GB are still live", forecast.toString());
    }

    @ParameterizedTest(name = "{0} entries: {1} buckets, capacity {2}")
    @CsvSource({
        "0, 0, 0",
        "1, 4, 3",
        "3, 4, 3",
        "4, 8, 7",
        "7, 8, 7",
        "8, 16, 14",
        "14, 16, 14",
        "15, 32, 28",
        "58720257, 134217728, 117440512",
    })
    void hashbrownBucketsFollowItsCapacityRule(final long size, final long buckets, final long capacity)
    {
        final ResizeForecast forecast = ResizeForecast.hashbrown(size, 24);
        assertEquals(buckets, forecast.slots());
        assertEquals(capacity, forecast.capacity());
        assertEquals(buckets == 0 ? 4 : buckets * 2, forecast.nextSlots());
    }

    @ParameterizedTest(name = "threshold {0}")
    @ValueSource(ints = { 12, 24, 96, 768, 12_288, 786_432 })
    void hashMapForecastMatchesTheRealTableOnEachSideOfItsThreshold(final int threshold) throws Exception
    {
        assertHashMapForecast(new HashMap<>(), threshold, false);
    }

    @ParameterizedTest(name = "threshold {0}")
    @ValueSource(ints = { 12, 768, 98_304 })
    void hashSetForecastMatchesTheRealTableOnEachSideOfItsThreshold(final int threshold) throws Exception
    {
        assertHashMapForecast(new HashSet<>(), threshold, true);
    }

    /**
     * Fill a real HashMap (or HashSet) to its threshold, check the forecast's table length, then insert once more
     * and check that the table became the forecast's next table and that the insert allocated its bytes.
     */
    private static void assertHashMapForecast(final Object collection, final int threshold, final boolean set)
        throws Exception
    {
        final Integer[] keys = keys(threshold + 1);
        for (int i = 0; i < threshold; i++)
        {
            add(collection, keys[i], set);
        }
        final boolean compressed = ResizeForecast.compressedOops();
        final ResizeForecast forecast = set ? ResizeForecast.hashSet(threshold, compressed) :
            ResizeForecast.hashMap(threshold, compressed);
        assertEquals(tableLength(collection, set), forecast.slots(), "table length below the threshold");
        assertEquals(threshold, forecast.capacity());
        assertEquals(1, forecast.insertsUntilResize());

        add(collection, keys[threshold], set);
        assertEquals(forecast.nextSlots(), tableLength(collection, set), "table length past the threshold");
        final ResizeForecast after = set ? ResizeForecast.hashSet(threshold + 1, compressed) :
            ResizeForecast.hashMap(threshold + 1, compressed);
        assertEquals(forecast.nextSlots(), after.slots());

        final long allocated = fewestBytesAllocated(() ->
        {
            final Object fresh = set ? new HashSet<Integer>() : new HashMap<Integer, Integer>();
            for (int i = 0; i < threshold; i++)
            {
                add(fresh, keys[i], set);
            }
            return () -> add(fresh, keys[threshold], set);
        });
        // The insert also allocates its Node: 32 bytes with compressed oops, 40 without.
        final long node = compressed ? 32 : 40;
        assertEquals(forecast.nextResizeBytes() + node, allocated, "the new table and one Node");
    }

    /** Keys boxed up front, so a measured insert allocates only the map's memory. */
    private static Integer[] keys(final int count)
    {
        final Integer[] keys = new Integer[count];
        for (int i = 0; i < count; i++)
        {
            keys[i] = i + 1_000_000;
        }
        return keys;
    }

    /**
     * The fewest bytes the insert {@code prepare} sets up allocates, over a few fresh trials: anything else the thread
     * allocates meanwhile (class loading, the JIT's bookkeeping) only adds, so the fewest is the insert's own.
     */
    private static long fewestBytesAllocated(final Supplier<Runnable> prepare)
    {
        long fewest = Long.MAX_VALUE;
        for (int trial = 0; trial < 3; trial++)
        {
            final Runnable insert = prepare.get();
            final long before = THREADS.getCurrentThreadAllocatedBytes();
            insert.run();
            fewest = Math.min(fewest, THREADS.getCurrentThreadAllocatedBytes() - before);
        }
        return fewest;
    }

    @SuppressWarnings("unchecked")
    private static void add(final Object collection, final Integer key, final boolean set)
    {
        if (set)
        {
            ((HashSet<Integer>)collection).add(key);
        }
        else
        {
            ((HashMap<Integer, Integer>)collection).put(key, key);
        }
    }

    private static int tableLength(final Object collection, final boolean set) throws Exception
    {
        Object map = collection;
        if (set)
        {
            final Field inner = HashSet.class.getDeclaredField("map");
            inner.setAccessible(true);
            map = inner.get(collection);
        }
        final Field table = HashMap.class.getDeclaredField("table");
        table.setAccessible(true);
        final Object[] array = (Object[])table.get(map);
        return array == null ? 0 : array.length;
    }

    @ParameterizedTest(name = "fastutil threshold at {0} slots, load factor {1}")
    @CsvSource({ "16, 0.75", "1024, 0.75", "65536, 0.75", "1024, 0.5", "4096, 0.875", "4096, 0.65" })
    void openAddressingForecastMatchesFastutilExactly(final int slots, final float loadFactor) throws Exception
    {
        final Long2LongOpenHashMap map = new Long2LongOpenHashMap(2, loadFactor);
        final ResizeForecast empty = ResizeForecast.openAddressing(0, fastutilSlots(map), 8, 8, loadFactor);
        long key = 1;
        while (fastutilSlots(map) < slots)
        {
            map.put(key, key);
            key++;
        }
        final ResizeForecast start = ResizeForecast.openAddressing(map.size(), slots, 8, 8, loadFactor);
        assertTrue(empty.capacity() > 0);
        while (map.size() < start.capacity())
        {
            map.put(key, key);
            key++;
        }
        assertEquals(slots, fastutilSlots(map), "full to capacity, not resized yet");
        final ResizeForecast forecast = ResizeForecast.openAddressing(map.size(), 8, 8, loadFactor);
        assertEquals(slots, forecast.slots(), "the size-only factory finds the grown table");
        assertEquals(1, forecast.insertsUntilResize());

        map.put(key, key);
        assertEquals(forecast.nextSlots(), fastutilSlots(map));

        final long size = map.size() - 1;
        final long allocated = fewestBytesAllocated(() ->
        {
            final Long2LongOpenHashMap fresh = new Long2LongOpenHashMap(2, loadFactor);
            for (long k = 1; k <= size; k++)
            {
                fresh.put(k, k);
            }
            return () -> fresh.put(size + 1, 0);
        });
        assertEquals(forecast.nextResizeBytes(), allocated, "fastutil allocates exactly key[2n+1] and value[2n+1]");
    }

    @ParameterizedTest(name = "HPPC threshold at {0} slots")
    @ValueSource(ints = { 16, 1024, 65536 })
    void openAddressingForecastMatchesHppcExactly(final int slots)
    {
        final LongLongHashMap map = new LongLongHashMap(4, 0.75);
        long key = 1;
        while (map.keys.length - 1 < slots)
        {
            map.put(key, key);
            key++;
        }
        final ResizeForecast start = ResizeForecast.openAddressing(map.size(), slots, 8, 8, 0.75);
        while (map.size() < start.capacity())
        {
            map.put(key, key);
            key++;
        }
        assertEquals(slots, map.keys.length - 1, "full to capacity, not resized yet");
        final ResizeForecast forecast = ResizeForecast.openAddressing(map.size(), slots, 8, 8, 0.75);
        assertEquals(1, forecast.insertsUntilResize());

        map.put(key, key);
        assertEquals(forecast.nextSlots(), map.keys.length - 1);

        final long size = map.size() - 1;
        final long allocated = fewestBytesAllocated(() ->
        {
            final LongLongHashMap fresh = new LongLongHashMap(4, 0.75);
            for (long k = 1; k <= size; k++)
            {
                fresh.put(k, k);
            }
            return () -> fresh.put(size + 1, 0);
        });
        assertEquals(forecast.nextResizeBytes(), allocated, "HPPC allocates exactly keys[2n+1] and values[2n+1]");
    }

    @Test
    void aFastutilForecastTakesTheMapsFloatLoadFactor()
    {
        // fastutil holds its load factor as a float: given that float, the forecast's capacity is fastutil's maxFill
        // at every table size; given the double 0.65, it is later than fastutil's resize by the javadoc's numbers.
        for (int shift = 1; shift <= 30; shift++)
        {
            final int slots = 1 << shift;
            assertEquals(HashCommon.maxFill(slots, 0.65f), ResizeForecast.openAddressing(0, slots, 8, 8, 0.65f)
                .capacity(), () -> "2^" + Integer.numberOfTrailingZeros(slots) + " slots");
        }
        assertEquals(HashCommon.maxFill(1 << 24, 0.65f) + 1,
            ResizeForecast.openAddressing(0, 1 << 24, 8, 8, 0.65).capacity());
        assertEquals(HashCommon.maxFill(1 << 30, 0.65f) + 26,
            ResizeForecast.openAddressing(0, 1 << 30, 8, 8, 0.65).capacity());
    }

    private static int fastutilSlots(final Long2LongOpenHashMap map) throws Exception
    {
        final Field n = Long2LongOpenHashMap.class.getDeclaredField("n");
        n.setAccessible(true);
        return n.getInt(map);
    }

    @Test
    void uncompressedOopsDoubleTheReferenceBytes()
    {
        final ResizeForecast compressed = ResizeForecast.hashMap(786_432, 1 << 20, true);
        final ResizeForecast uncompressed = ResizeForecast.hashMap(786_432, 1 << 20, false);
        assertEquals(16 + 4L * (2 << 20), compressed.nextResizeBytes());
        assertEquals(16 + 8L * (2 << 20), uncompressed.nextResizeBytes());
        assertEquals(16 + 8L * (1 << 20), uncompressed.currentBytes());
        assertTrue(uncompressed.toString().contains("2^21 × 8 bytes"), uncompressed::toString);
    }

    @Test
    void aNewHashMapAllocatesItsFirstTableOnTheFirstInsert()
    {
        final ResizeForecast forecast = ResizeForecast.hashMap(0, true);
        assertEquals(0, forecast.slots());
        assertEquals(1, forecast.resizeAtSize());
        assertEquals(16, forecast.nextSlots());
        assertEquals(16 + 4 * 16, forecast.nextResizeBytes());
    }

    @Test
    void aHashMapAtItsMaximumTableNeverResizesAgain()
    {
        final ResizeForecast forecast = ResizeForecast.hashMap(Integer.MAX_VALUE, 1 << 30, true);
        assertFalse(forecast.resizes());
        assertEquals(0, forecast.nextResizeBytes());
        assertEquals(Long.MAX_VALUE, forecast.insertsUntilResize());
        try (AllocationGuard guard = guard(MODE_PROP_NAME, "block"))
        {
            guard.checkResize(forecast, "maximal map");
            assertEquals(0, guard.checks());
        }
    }

    @Test
    void checkResizeBlocksTheSeedDoublingAndShowsTheForecast()
    {
        try (AllocationGuard guard = guard(MODE_PROP_NAME, "block"))
        {
            final ResizeForecast forecast = ResizeForecast.hashbrown(58_720_256, 24);
            final AllocationBlockedException ex = assertThrows(AllocationBlockedException.class,
                () -> guard.checkResize(forecast, "pkey index resize"));
            assertEquals(3_355_443_216L, ex.event().bytes());
            assertTrue(ex.getMessage().startsWith("docref guard blocked a single allocation of 3.13 GiB for " +
                "[pkey index resize]: limit docref.guard.single.allocation.limit = 1.00 GiB (mode block)."),
                ex::getMessage);
            assertTrue(ex.getMessage().contains("Forecast: hashbrown-style 7/8 table (24-byte entries) with " +
                "58,720,256 entries"), ex::getMessage);
            guard.checkResize(ResizeForecast.hashbrown(1000, 24), "small table");
            assertEquals(2, guard.checks());
        }
    }

    @Test
    void inconsistentArgumentsAreRejectedWithTheNumbers()
    {
        final IllegalArgumentException tooFull =
            assertThrows(IllegalArgumentException.class, () -> ResizeForecast.hashMap(13, 16, true));
        assertTrue(tooFull.getMessage().contains("holds at most 12 entries before it resizes, not 13"),
            tooFull::getMessage);
        assertThrows(IllegalArgumentException.class, () -> ResizeForecast.hashMap(1, 24, true));
        assertThrows(IllegalArgumentException.class, () -> ResizeForecast.hashMap(-1, true));
        assertThrows(IllegalArgumentException.class, () -> ResizeForecast.openAddressing(10, 16, 3, 8, 0.75));
        assertThrows(IllegalArgumentException.class, () -> ResizeForecast.openAddressing(10, 16, 8, 8, 1.0));
        assertThrows(IllegalArgumentException.class, () -> ResizeForecast.openAddressing(10, 12, 8, 8, 0.75));
        assertThrows(IllegalArgumentException.class, () -> ResizeForecast.hashbrown(10, 0));
        assertThrows(IllegalArgumentException.class, () -> ResizeForecast.hashbrown(10, 8, 24));
    }

    @Test
    void aSetHasNoValueArray()
    {
        final ResizeForecast set = ResizeForecast.openAddressing(12, 16, 8, 0, 0.75);
        assertEquals(16 + 8 * 33, set.nextResizeBytes());
        final ResizeForecast map = ResizeForecast.openAddressing(12, 16, 8, 8, 0.75);
        assertEquals(2 * (16 + 8 * 33), map.nextResizeBytes());
    }

    /**
     * How many arrays the next resize allocates and the largest of them, for a table of 16 slots holding 12 entries
     * whose next table has 32 (arrays of 33 elements with a 16-byte header, rounded up to 8 bytes): fastutil-like
     * {@code long}/{@code long}, a set, and keys and values of different widths, where half the resize is neither
     * array.
     */
    @ParameterizedTest(name = "keys {0} bytes, values {1} bytes: {2} arrays, largest {3} of {4} bytes")
    @CsvSource({
        "8, 8, 2, 280, 560",
        "8, 0, 1, 280, 280",
        "8, 4, 2, 280, 432",
        "4, 8, 2, 280, 432",
        "1, 2, 2, 88, 144",
    })
    void openAddressingResizeIsOneArrayPerKeyAndValueArray(
        final int keyBytes, final int valueBytes, final int allocations, final long largest, final long all)
    {
        final ResizeForecast forecast = ResizeForecast.openAddressing(12, 16, keyBytes, valueBytes, 0.75);
        assertEquals(32, forecast.nextSlots());
        assertEquals(all, forecast.nextResizeBytes());
        assertEquals(allocations, forecast.nextResizeAllocations());
        assertEquals(largest, forecast.nextResizeLargestAllocationBytes());
    }

    @Test
    void hashMapAndHashbrownResizesAreOneAllocation()
    {
        final ResizeForecast hashMap = ResizeForecast.hashMap(786_432, 1 << 20, true);
        assertEquals(1, hashMap.nextResizeAllocations());
        assertEquals(16 + 4L * (2 << 20), hashMap.nextResizeLargestAllocationBytes());
        assertEquals(1, ResizeForecast.hashSet(0, false).nextResizeAllocations());
        assertEquals(16 + 8 * 16, ResizeForecast.hashSet(0, false).nextResizeLargestAllocationBytes());
        final ResizeForecast seed = ResizeForecast.hashbrown(58_720_256, 24);
        assertEquals(1, seed.nextResizeAllocations(), "entries and control bytes are one allocation");
        assertEquals(3_355_443_216L, seed.nextResizeLargestAllocationBytes());
        assertEquals(1, ResizeForecast.hashbrown(0, 24).nextResizeAllocations());
        final ResizeForecast maximal = ResizeForecast.hashMap(Integer.MAX_VALUE, 1 << 30, true);
        assertEquals(0, maximal.nextResizeAllocations(), "no resize, no allocation");
        assertEquals(0, maximal.nextResizeLargestAllocationBytes());
    }

    @Test
    void aTwoArrayResizeSaysItsArraysAndASetsSaysItsOne()
    {
        assertEquals("open-addressing table (8-byte keys, 8-byte values, load factor 0.75) with 6,291,456 entries " +
            "in 2^23 slots (capacity 6,291,456): the next insert (entry 6,291,457) allocates two arrays, keys " +
            "2^24 × 8 bytes and values 2^24 × 8 bytes, ≈ 268.44 MB in all (268,435,504 bytes = 256.00 MiB, each " +
            "array 134,217,752 bytes = 128.00 MiB) while the current 134.22 MB are still live",
            ResizeForecast.openAddressing(6_291_456, 8, 8, 0.75).toString());
        assertTrue(ResizeForecast.openAddressing(12, 16, 8, 4, 0.75).toString().contains("allocates two arrays, " +
            "keys 2^5 × 8 bytes and values 2^5 × 4 bytes, ≈ 432 B in all (432 bytes = 432 B, the larger array " +
            "280 bytes = 280 B)"), () -> ResizeForecast.openAddressing(12, 16, 8, 4, 0.75).toString());
        assertTrue(ResizeForecast.openAddressing(6_291_456, 8, 0, 0.75).toString().contains("(entry 6,291,457) " +
            "allocates 2^24 × 8 bytes ≈ 134.22 MB (134,217,752 bytes = 128.00 MiB) while"),
            () -> ResizeForecast.openAddressing(6_291_456, 8, 0, 0.75).toString());
    }

    @Test
    void aTableTooLargeToCountInBytesIsRefusedByName()
    {
        final IllegalArgumentException hashbrown = assertThrows(IllegalArgumentException.class,
            () -> ResizeForecast.hashbrown(0, 1L << 55, 127));
        assertTrue(hashbrown.getMessage().contains("36028797018963968 buckets") &&
            hashbrown.getMessage().contains("next resize"), hashbrown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ResizeForecast.hashbrown(0, 1L << 56, 1024));
    }

    @Test
    void aHashbrownSizeBeyondTheLargestTableIsRefusedNamingTheSize()
    {
        // A size from 7/8 of 2^56 buckets to 7/8 of 2^57 was refused as "buckets 144115188075855872 is not a
        // hashbrown table size", an argument the caller never passed; a larger one without the limit or a fix.
        final long largest = 63_050_394_783_186_944L;
        assertEquals(1L << 56, ResizeForecast.hashbrown(largest, 1).slots());
        for (final long size : new long[] {largest + 1, 100_000_000_000_000_000L, 7L << 54, (7L << 54) + 1,
            Long.MAX_VALUE})
        {
            final IllegalArgumentException ex =
                assertThrows(IllegalArgumentException.class, () -> ResizeForecast.hashbrown(size, 24));
            assertEquals(String.format(Locale.ROOT, "size %,d is more than a hashbrown-style table holds in this " +
                "model: at most 63,050,394,783,186,944 entries, 7/8 of 2^56 buckets; pass the structure's real size.",
                size), ex.getMessage());
        }
        // The largest table's next is counted in a long for entries of up to 62 bytes; past that the size is named.
        assertEquals(1L << 57, ResizeForecast.hashbrown(largest, 62).nextSlots());
        final IllegalArgumentException wide =
            assertThrows(IllegalArgumentException.class, () -> ResizeForecast.hashbrown(largest, 63));
        assertTrue(wide.getMessage().startsWith("a hashbrown-style 7/8 table (63-byte entries) of " + largest +
            " entries would take more than") && wide.getMessage().endsWith("pass the structure's real size."),
            wide.getMessage());
    }

    @Test
    void anOpenAddressingTableOfJavaArraysStopsGrowingAtTwoToTheThirtySlots()
    {
        // fastutil and HPPC give their arrays n + 1 elements and stop at n = 2^30: the next table's 2^31 + 1 elements
        // are more than a Java array holds. The forecast used to promise a resize to 2^31 slots (32 GiB that no insert
        // ever allocates) and accepted tables of up to 2^61 slots.
        assertEquals(ResizeForecast.OPEN_ADDRESSING_MAX_SLOTS, HashContainers.MAX_HASH_ARRAY_LENGTH);
        assertEquals(ResizeForecast.OPEN_ADDRESSING_MAX_SLOTS, HashCommon.arraySize(805_306_368, 0.75f),
            "fastutil's table for the most the largest table holds");
        assertThrows(IllegalArgumentException.class, () -> HashCommon.arraySize(805_306_370, 0.75f),
            "fastutil refuses the table the insert past capacity asks for");

        final ResizeForecast below = ResizeForecast.openAddressing(402_653_184, 8, 8, 0.75);
        assertEquals(1L << 29, below.slots());
        assertEquals(1L << 30, below.nextSlots(), "2^29 slots still grow, to arrays of 2^30 + 1 elements");
        assertEquals(2 * (16 + 8 * ((1L << 30) + 1)), below.nextResizeBytes());

        final ResizeForecast largest = ResizeForecast.openAddressing(805_306_368, 8, 8, 0.75);
        assertEquals(1L << 30, largest.slots());
        assertEquals(805_306_368, largest.capacity());
        assertEquals(2 * (16 + 8 * ((1L << 30) + 1)), largest.currentBytes());
        assertFalse(largest.resizes());
        assertEquals(0, largest.nextSlots());
        assertEquals(0, largest.nextResizeBytes());
        assertEquals(0, largest.nextResizeAllocations());
        assertEquals(Long.MAX_VALUE, largest.insertsUntilResize());
        assertTrue(largest.toString().endsWith("in 2^30 slots (capacity 805,306,368): it cannot resize: 2^31 slots " +
            "would need arrays of 2^31 + 1 elements, more than a Java array holds, so fastutil and HPPC throw on the " +
            "insert past its capacity instead"), largest::toString);
        try (AllocationGuard guard = guard(MODE_PROP_NAME, "block"))
        {
            guard.checkResize(largest, "largest table");
            assertEquals(0, guard.checks(), "nothing will be allocated, so nothing is checked");
        }

        final IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
            () -> ResizeForecast.openAddressing(805_306_369, 8, 8, 0.75));
        assertTrue(size.getMessage().contains("size 805,306,369 is more than an open-addressing table of Java " +
            "arrays holds: at most 805,306,368 at load factor 0.75, in 2^30 slots"), size::getMessage);
        final IllegalArgumentException slots = assertThrows(IllegalArgumentException.class,
            () -> ResizeForecast.openAddressing(0, 1L << 31, 8, 8, 0.75));
        assertTrue(slots.getMessage().contains("slots 2147483648 is not the length of an open-addressing table of " +
            "Java arrays: pass a power of two from 2 to 2^30"), slots::getMessage);
    }

    /** Agrona's interleaved maps, grown from their default 8 slots with keys from 1 (the missing value is -1). */
    enum Agrona
    {
        LONG2LONG(Long.BYTES)
        {
            @Override
            AgronaMap create(final float loadFactor)
            {
                final Long2LongHashMap map = new Long2LongHashMap(8, loadFactor, -1);
                return new AgronaMap(map, map::capacity, key -> map.put(key, key));
            }
        },
        INT2INT(Integer.BYTES)
        {
            @Override
            AgronaMap create(final float loadFactor)
            {
                final Int2IntHashMap map = new Int2IntHashMap(8, loadFactor, -1);
                return new AgronaMap(map, map::capacity, key -> map.put(key, key));
            }
        };

        final int elementBytes;

        Agrona(final int elementBytes)
        {
            this.elementBytes = elementBytes;
        }

        abstract AgronaMap create(float loadFactor);

        ResizeForecast forecast(final long size, final float loadFactor)
        {
            return this == LONG2LONG ? ResizeForecast.agronaLong2Long(size, loadFactor) :
                ResizeForecast.agronaInt2Int(size, loadFactor);
        }

        ResizeForecast forecast(final long size, final long slots, final float loadFactor)
        {
            return this == LONG2LONG ? ResizeForecast.agronaLong2Long(size, slots, loadFactor) :
                ResizeForecast.agronaInt2Int(size, slots, loadFactor);
        }
    }

    /** A real Agrona map: its {@code capacity()}, a put of a new key, and its one array, read through reflection. */
    static final class AgronaMap
    {
        final Object map;
        final IntSupplier capacity;
        final IntConsumer put;

        AgronaMap(final Object map, final IntSupplier capacity,
            final IntConsumer put)
        {
            this.map = map;
            this.capacity = capacity;
            this.put = put;
        }

        Object entries() throws Exception
        {
            final Field entries = map.getClass().getDeclaredField("entries");
            entries.setAccessible(true);
            return entries.get(map);
        }
    }

    /**
     * Grows a real Agrona map insert by insert past 2^14 slots and checks, before every insert, the size-only
     * forecast against the map: its slots are the map's {@code capacity()}, its current bytes its one array's, and
     * the insert replaces that array exactly when the forecast says it resizes, with one of {@code 2 × nextSlots()}
     * elements.
     */
    @ParameterizedTest(name = "{0}, load factor {1}")
    @CsvSource({
        "LONG2LONG, 0.65", "LONG2LONG, 0.5", "LONG2LONG, 0.75", "LONG2LONG, 0.9", "LONG2LONG, 0.1",
        "INT2INT, 0.65", "INT2INT, 0.9", "INT2INT, 0.1",
    })
    void agronaForecastMatchesTheRealMapAtEveryInsert(final Agrona agrona, final float loadFactor) throws Exception
    {
        final AgronaMap map = agrona.create(loadFactor);
        int resizes = 0;
        for (int size = 0; map.capacity.getAsInt() < (1 << 14) || size % 1000 != 0; size++)
        {
            final ResizeForecast forecast = agrona.forecast(size, loadFactor);
            final Object before = map.entries();
            final int at = size;
            assertEquals(map.capacity.getAsInt(), forecast.slots(), () -> "slots at size " + at);
            assertEquals(2 * forecast.slots(), Array.getLength(before), () -> "array length at size " + at);
            assertEquals(ResizeForecast.ARRAY_HEADER_BYTES + 2 * forecast.slots() * agrona.elementBytes,
                forecast.currentBytes());
            assertEquals(forecast.toString(), agrona.forecast(size, forecast.slots(), loadFactor).toString());
            map.put.accept(size + 1);
            final Object after = map.entries();
            assertEquals(forecast.insertsUntilResize() == 1, after != before, () -> "resize at insert " + (at + 1));
            if (after != before)
            {
                resizes++;
                assertEquals(2 * forecast.nextSlots(), Array.getLength(after), forecast::toString);
            }
        }
        assertTrue(resizes >= 11, "grown from 8 slots to 2^14 or more: " + resizes + " resizes");
    }

    /** The insert the forecast says resizes allocates exactly its one array: {@code 2 × nextSlots()} elements. */
    @ParameterizedTest(name = "{0} at {1} slots")
    @CsvSource({ "LONG2LONG, 8", "LONG2LONG, 1024", "LONG2LONG, 65536", "INT2INT, 16", "INT2INT, 65536" })
    void agronaResizeAllocatesExactlyTheForecastArray(final Agrona agrona, final int slots)
    {
        final float loadFactor = 0.65f;
        final ResizeForecast forecast = agrona.forecast(agrona.forecast(0, slots, loadFactor).capacity(),
            loadFactor);
        assertEquals(slots, forecast.slots());
        assertEquals(1, forecast.nextResizeAllocations());
        assertEquals(forecast.nextResizeBytes(), forecast.nextResizeLargestAllocationBytes());
        final long allocated = fewestBytesAllocated(() ->
        {
            final AgronaMap map = agrona.create(loadFactor);
            for (int key = 1; key <= forecast.size(); key++)
            {
                map.put.accept(key);
            }
            return () -> map.put.accept((int)forecast.size() + 1);
        });
        assertEquals(forecast.nextResizeBytes(), allocated, "Agrona allocates one array of 4n elements");
    }

    @Test
    void anAgronaForecastSaysItsOneArray()
    {
        // The javadoc's figures: load factor 0.65 (Agrona's default, a float) at 2^26 slots.
        final ResizeForecast forecast = ResizeForecast.agronaLong2Long(43_620_760, 0.65f);
        assertEquals("Agrona Long2LongHashMap (load factor 0.65) with 43,620,760 entries in 2^26 slots (capacity " +
            "43,620,760): the next insert (entry 43,620,761) allocates 2^27 × 16 bytes ≈ 2.15 GB (2,147,483,664 " +
            "bytes = 2.00 GiB) while the current 1.07 GB are still live", forecast.toString());
        assertEquals(2, ResizeForecast.openAddressing(43_620_760, 8, 8, 0.65f).nextResizeAllocations(),
            "openAddressing says two arrays for the same map");
        assertTrue(ResizeForecast.agronaInt2Int(0, 0.65f).toString().endsWith("entries in 2^3 slots (capacity 5): " +
            "insert 6 from now (entry 6) allocates 2^4 × 8 bytes ≈ 144 B (144 bytes = 144 B) while the current 80 B " +
            "are still live"), () -> ResizeForecast.agronaInt2Int(0, 0.65f).toString());
    }

    @Test
    void openAddressingForecastsAnAgronaMapsResizeOneInsertLateInTablesUpToTwoToTheTwentyTwo()
    {
        // guard.md's figures: at Agrona's default 0.65, n × loadFactor is not whole from 8 slots to 2^22, where
        // openAddressing's ceil puts the resize one insert after Agrona's; and it always says 32 bytes more.
        for (int shift = 3; shift <= 29; shift++)
        {
            final long slots = 1L << shift;
            final ResizeForecast agrona = ResizeForecast.agronaLong2Long(0, slots, 0.65f);
            final ResizeForecast open = ResizeForecast.openAddressing(0, slots, 8, 8, 0.65f);
            assertEquals(shift <= 22 ? agrona.capacity() + 1 : agrona.capacity(), open.capacity(), "2^" + shift);
            if (agrona.resizes())
            {
                assertEquals(agrona.nextResizeBytes() + 32, open.nextResizeBytes(), "2^" + shift);
            }
        }
    }

    @Test
    void anAgronaMapStopsGrowingAtTwoToTheTwentyNineSlots()
    {
        // Its one array has 2 × slots elements: at 2^30 slots that overflows an int, and Agrona throws. A map made
        // for 2^30 slots throws before allocating anything; one of 2^29 slots would take 8 GiB, too much for a test.
        final IllegalStateException agrona = assertThrows(IllegalStateException.class,
            () -> new Long2LongHashMap(1 << 30, 0.65f, -1));
        assertTrue(agrona.getMessage().startsWith("max capacity reached"), agrona::getMessage);
        assertThrows(IllegalStateException.class, () -> new Int2IntHashMap(1 << 30, 0.65f, -1));

        final ResizeForecast below = ResizeForecast.agronaLong2Long(174_483_040, 0.65f);
        assertEquals(1L << 28, below.slots());
        assertEquals(1L << 29, below.nextSlots(), "2^28 slots still grow, to one array of 2^30 longs");
        assertEquals(16 + 8 * (1L << 30), below.nextResizeBytes());

        final ResizeForecast largest = ResizeForecast.agronaLong2Long(348_966_080, 0.65f);
        assertEquals(1L << 29, largest.slots());
        assertEquals(348_966_080, largest.capacity());
        assertEquals(16 + 8 * (1L << 30), largest.currentBytes());
        assertFalse(largest.resizes());
        assertEquals(0, largest.nextSlots());
        assertEquals(0, largest.nextResizeBytes());
        assertEquals(0, largest.nextResizeAllocations());
        assertEquals(Long.MAX_VALUE, largest.insertsUntilResize());
        assertEquals("Agrona Long2LongHashMap (load factor 0.65) with 348,966,080 entries in 2^29 slots (capacity " +
            "348,966,080): it cannot resize: 2^30 slots would need an array of 2^31 elements, more than a Java array " +
            "holds, so Agrona throws IllegalStateException (\"max capacity reached\") on the insert past its " +
            "capacity instead", largest.toString());
        try (AllocationGuard guard = guard(MODE_PROP_NAME, "block"))
        {
            guard.checkResize(largest, "largest Agrona map");
            assertEquals(0, guard.checks(), "nothing will be allocated, so nothing is checked");
        }
        assertFalse(ResizeForecast.agronaInt2Int(483_183_808, 0.9f).resizes());

        final IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
            () -> ResizeForecast.agronaLong2Long(348_966_081, 0.65f));
        assertEquals("size 348,966,081 is more than Agrona's Long2LongHashMap holds: at most 348,966,080 at load " +
            "factor 0.65, in 2^29 slots, its largest table (2^30 slots would need an array of 2^31 elements, and " +
            "Agrona throws IllegalStateException \"max capacity reached\" instead); pass the map's real size().",
            size.getMessage());
        final IllegalArgumentException slots = assertThrows(IllegalArgumentException.class,
            () -> ResizeForecast.agronaLong2Long(0, 1L << 30, 0.65f));
        assertEquals("slots 1073741824 is not the capacity() of an Agrona Long2LongHashMap: pass a power of two " +
            "from 8 to 2^29 (its one array has 2 × slots elements, and a Java array at most 2^31 - 1).",
            slots.getMessage());
    }

    @Test
    void anAgronaForecastRefusesWhatAgronaRefuses()
    {
        for (final float loadFactor : new float[] {0.09f, 0.95f, 1.0f, 0f, Float.NaN})
        {
            final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> ResizeForecast.agronaLong2Long(0, loadFactor));
            assertEquals("loadFactor " + loadFactor + " is not one Agrona accepts: pass the map's loadFactor(), " +
                "from 0.1 to 0.9 (default 0.65, Hashing.DEFAULT_LOAD_FACTOR).", ex.getMessage());
            if (!Float.isNaN(loadFactor))
            {
                // Agrona's own check lets NaN through; the forecast, which could say nothing sensible, refuses it.
                assertThrows(IllegalArgumentException.class, () -> new Long2LongHashMap(8, loadFactor, -1));
            }
        }
        for (final long slots : new long[] {0, 4, 12, 1000})
        {
            final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> ResizeForecast.agronaInt2Int(0, slots, 0.65f));
            assertTrue(ex.getMessage().startsWith("slots " + slots + " is not the capacity() of an Agrona " +
                "Int2IntHashMap: pass a power of two from 8 to 2^29"), ex::getMessage);
        }
        final IllegalArgumentException full = assertThrows(IllegalArgumentException.class,
            () -> ResizeForecast.agronaLong2Long(6, 8, 0.65f));
        assertTrue(full.getMessage().contains("with 8 slots holds at most 5 entries before it resizes, not 6"),
            full::getMessage);
        assertThrows(IllegalArgumentException.class, () -> ResizeForecast.agronaLong2Long(-1, 0.65f));
    }
}
