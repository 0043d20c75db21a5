package dev.docref.core;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The functional contract of {@link PresizedDocRefMap}, run once per {@link Concurrency} by the subclasses
 * {@link ThreadSafePresizedDocRefMapTest} and {@link SingleThreadedPresizedDocRefMapTest}.
 */
abstract class PresizedDocRefMapTest
{
    abstract Concurrency concurrency();

    /** How the maps under test grow; the {@code Compact...} subclasses run every test with {@link Growth#COMPACT}. */
    Growth growth()
    {
        return Growth.FAST;
    }

    /** The largest allocation growth may make: one segment, or with {@link Growth#COMPACT} one chunk of 8. */
    long largestGrowthAllocation(final int segmentBytes)
    {
        return growth() == Growth.COMPACT ? 8L * segmentBytes : segmentBytes;
    }

    PresizedDocRefMap.Builder builder()
    {
        return PresizedDocRefMap.builder().concurrency(concurrency()).growth(growth());
    }

    PresizedDocRefMap withCapacity(final long expectedEntries)
    {
        return builder().expectedEntries(expectedEntries).build();
    }

    @ParameterizedTest
    @ValueSource(longs = { 0, 1, 14, 15, 1000, 16_385, 100_000, 1_000_000, 3_000_000 })
    void withCapacityHoldsExpectedEntriesWithoutAllocating(final long n)
    {
        try (PresizedDocRefMap map = withCapacity(n))
        {
            assertTrue(map.capacity() >= n, () -> "capacity " + map.capacity() + " < " + n);
            final long bytes = map.offHeapBytes();
            final long largest = map.largestAllocationBytes();
            final int segments = map.segmentCount();
            final SplittableRandom random = new SplittableRandom(n);
            for (long i = 0; i < n; i++)
            {
                map.put(random.nextLong(), i);
            }
            assertEquals(n, map.size(), "random keys could collide, but not at this seed");
            assertEquals(bytes, map.offHeapBytes(), "no allocation while filling to expectedEntries");
            assertEquals(largest, map.largestAllocationBytes());
            assertEquals(segments, map.segmentCount(), "no split while filling to expectedEntries");
            assertTrue(largest <= PresizedDocRefMap.DEFAULT_SEGMENT_BYTES, "up-front memory is in bounded segments");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = { "sequential", "stride2^20", "stride2^32", "lowBitsZero", "negativeSequential" })
    void regularKeyPatternsSpreadEvenlyAcrossSegments(final String pattern)
    {
        final int n = 1_000_000;
        try (PresizedDocRefMap map = withCapacity(n))
        {
            final int segments = map.segmentCount();
            for (long i = 0; i < n; i++)
            {
                final long key = switch (pattern)
                {
                    case "sequential" -> i;
                    case "stride2^20" -> i << 20;
                    case "stride2^32" -> i << 32;
                    case "lowBitsZero" -> (i * 0x9E3779B97F4A7C15L) & 0xFFFF_FFFF_0000_0000L;
                    case "negativeSequential" -> -i;
                    default -> throw new IllegalArgumentException("unknown key pattern: " + pattern);
                };
                map.put(key, i);
            }
            assertEquals(segments, map.segmentCount(), "a key pattern that clusters would overflow a segment");
        }
    }

    @Test
    void growingFromOneToTenMillionNeverAllocatesMoreThanOneSegmentOrChunk()
    {
        final int n = 10_000_000;
        try (PresizedDocRefMap map = withCapacity(1))
        {
            final SplittableRandom random = new SplittableRandom(42);
            for (int i = 0; i < n; i++)
            {
                map.put(random.nextLong(), i);
            }
            assertEquals(n, map.size());
            assertTrue(map.largestAllocationBytes() <= largestGrowthAllocation(PresizedDocRefMap.DEFAULT_SEGMENT_BYTES),
                () -> "largest allocation " + map.largestAllocationBytes());
            assertEquals(growth(), map.growth());
            assertTrue(map.segmentCount() > 500, "grew by splitting");

            final SplittableRandom replay = new SplittableRandom(42);
            for (int i = 0; i < n; i++)
            {
                assertEquals(i, map.get(replay.nextLong()));
            }
        }
    }

    @Test
    void largestAllocationIsOneSegmentOrChunkForEverySegmentSize()
    {
        for (final int segmentBytes : new int[] { 512, 4096, 65536, 1 << 20 })
        {
            try (PresizedDocRefMap map = builder().segmentBytes(segmentBytes).build())
            {
                for (int i = 0; i < 200_000; i++)
                {
                    map.put(i * 31L, i);
                }
                assertTrue(map.largestAllocationBytes() <= largestGrowthAllocation(segmentBytes),
                    "segmentBytes " + segmentBytes + ", largest allocation " + map.largestAllocationBytes());
                assertTrue(map.offHeapBytes() >= (long)map.segmentCount() * 16);
            }
        }
    }

    @Test
    void everyMethodThrowsAfterCloseAndCloseTwiceIsFine()
    {
        final PresizedDocRefMap map = withCapacity(10);
        map.put(1, 2);
        final PresizedDocRefMap.Cursor cursor = map.cursor();
        assertTrue(cursor.next());
        final Concurrency concurrency = map.concurrency();
        final Growth growth = map.growth();
        map.close();
        assertDoesNotThrow(map::close);

        final List<Consumer<PresizedDocRefMap>> calls = List.of(
            m -> m.get(1), m -> m.containsKey(1), m -> m.put(1, 3), m -> m.putIfAbsent(5, 3), m -> m.remove(1),
            PresizedDocRefMap::size, PresizedDocRefMap::isEmpty, PresizedDocRefMap::clear,
            m -> m.forEach((k, v) -> { }), PresizedDocRefMap::cursor, PresizedDocRefMap::capacity,
            PresizedDocRefMap::offHeapBytes, PresizedDocRefMap::segmentCount,
            PresizedDocRefMap::largestAllocationBytes);
        for (final Consumer<PresizedDocRefMap> call : calls)
        {
            final IllegalStateException ex = assertThrows(IllegalStateException.class, () -> call.accept(map));
            assertTrue(ex.getMessage().contains("closed"), ex.getMessage());
        }
        assertThrows(IllegalStateException.class, cursor::next);
        assertThrows(IllegalStateException.class, cursor::reset);
        assertEquals(-1L, map.missingValue(), "missingValue is a setting, readable after close");
        assertEquals(concurrency, map.concurrency(), "a setting too");
        assertEquals(growth, map.growth(), "a setting too");
        assertEquals(1L, cursor.key(), "the cursor keeps the entry its last next() found");
        assertEquals(2L, cursor.value());
        assertEquals("PresizedDocRefMap{closed}", map.toString());
    }

    @Test
    void aClosedMapSaysItIsClosedBeforeRejectingAnArgument()
    {
        final PresizedDocRefMap map = withCapacity(10);
        final long missing = map.missingValue();
        map.close();

        // Each call also has a bad argument; use after close is the more fundamental error, so it is the one named.
        final List<Consumer<PresizedDocRefMap>> calls = List.of(
            m -> m.put(1, missing), m -> m.putIfAbsent(5, missing), m -> m.forEach(null));
        for (final Consumer<PresizedDocRefMap> call : calls)
        {
            final RuntimeException ex = assertThrows(RuntimeException.class, () -> call.accept(map));
            assertEquals(IllegalStateException.class, ex.getClass(), ex.toString());
            assertTrue(ex.getMessage().contains("closed"), ex.getMessage());
        }
    }

    @Test
    void aLoadFactorThatLeavesSegmentsAlmostEmptyIsRefusedNamingTheLeastThatWorks()
    {
        assertMessage(() -> builder().loadFactor(1e-6).build(), "loadFactor 1.0E-6", "segmentBytes=131072",
            "only 1 of its 8120 home slots", "at least 0.001");
        assertMessage(() -> builder().segmentBytes(512).loadFactor(0.3).build(), "only 4 of its 16 home slots",
            "at least 0.5", "larger segmentBytes");
        assertDoesNotThrow(() -> builder().segmentBytes(512).loadFactor(0.5).build().close());
    }

    @Test
    void aBuilderUsedAgainReadsThePropertiesAgain()
    {
        final PresizedDocRefMap.Builder reused = PresizedDocRefMap.builder().expectedEntries(10);
        reused.build().close();
        System.setProperty(BlockPreparer.PROP_NAME, "bogus");
        try
        {
            assertMessage(reused::build, "docref.prepare.thread = \"bogus\"", "accepted: one of on, off");
        }
        finally
        {
            System.clearProperty(BlockPreparer.PROP_NAME);
        }
        assertMessage(() -> builder().guard(null), "guard", "null", "AllocationGuard.global()");
    }

    @Test
    void theAddressLimitSuggestsOnlyTheFixesLeft()
    {
        assertMessage(() -> builder().segmentBytes(PresizedDocRefMap.MAX_SEGMENT_BYTES)
            .expectedEntries(Long.MAX_VALUE).build(), "segmentBytes=67108864", "several maps");
        final IllegalArgumentException atMaximum = assertThrows(IllegalArgumentException.class,
            () -> builder().segmentBytes(PresizedDocRefMap.MAX_SEGMENT_BYTES).expectedEntries(Long.MAX_VALUE).build());
        assertFalse(atMaximum.getMessage().contains("larger segmentBytes"), atMaximum.getMessage());
        assertMessage(() -> builder().loadFactor(0.5).expectedEntries(Long.MAX_VALUE).build(),
            "larger segmentBytes", "a higher loadFactor");
    }

    @Test
    void rejectsBadArgumentsNamingTheValueAndTheRange()
    {
        assertMessage(() -> withCapacity(-5), "-5", ">= 0");
        assertMessage(() -> withCapacity(Long.MAX_VALUE), "9,223,372,036,854,775,807",
            "segmentBytes");
        assertMessage(() -> builder().expectedEntries(Long.MAX_VALUE / 2).build(),
            "4,611,686,018,427,387,903", "larger segmentBytes");
        assertMessage(() -> builder().segmentBytes(3000), "3000", "power of two");
        assertMessage(() -> builder().segmentBytes(128 * 1024 * 1024), "134217728", "67108864");
        assertMessage(() -> builder().segmentBytes(256), "256", "from 512");
        assertMessage(() -> builder().segmentBytes(0), "but was 0", "power of two");
        assertMessage(() -> builder().growth(Growth.COMPACT).segmentBytes(2 << 20).build(), "2097152", "1048576",
            "growth FAST");
        assertMessage(() -> builder().growth(null), "but was null", "FAST");
        assertMessage(() -> builder().loadFactor(0.0), "0.0", "between 0 and 1");
        assertMessage(() -> builder().loadFactor(1.0), "1.0", "between 0 and 1");
        assertMessage(() -> builder().loadFactor(-0.5), "-0.5", "between 0 and 1");
        assertMessage(() -> builder().loadFactor(Double.NaN), "NaN", "between 0 and 1");
        assertDoesNotThrow(() -> builder().segmentBytes(64 * 1024 * 1024));
    }

    /**
     * A key already in a segment at its fill limit is updated in place, without a split: {@code put} replaces its
     * docRef and {@code putIfAbsent} leaves it. Fails if {@code putIfAbsent} on a full segment overwrote the docRef
     * (the full segment takes another path than one with room).
     */
    @Test
    void putAndPutIfAbsentOfAKeyInAFullSegmentUpdateInPlace()
    {
        // 512-byte segments: 16 home slots, fill limit 14 at the default load factor.
        try (PresizedDocRefMap map = builder().segmentBytes(512).hashSeed(3).missingValue(7).build())
        {
            for (long key = 0; key < 14; key++)
            {
                map.put(key, key + 100);
            }
            assertEquals(1, map.segmentCount(), "setup: 14 keys fill the one segment to its limit, no split");
            assertEquals(14, map.capacity(), "setup: the segment is at its fill limit");
            for (long key = 0; key < 14; key++)
            {
                assertEquals(key + 100, map.putIfAbsent(key, -5), "putIfAbsent returns the docRef there");
                assertEquals(key + 100, map.get(key), "putIfAbsent left the docRef");
                assertEquals(key + 100, map.put(key, key + 200), "put returns the previous docRef");
                assertEquals(key + 200, map.get(key), "put replaced it");
            }
            assertEquals(7, map.putIfAbsent(14, 300), "an absent key goes in: the map grows");
            assertEquals(300, map.get(14));
            assertEquals(15, map.size());
        }
    }

    /**
     * Each builder limit accepts its boundary value and refuses the next: fails if a check is off by one (the
     * largest segmentBytes, the largest segmentBytes with {@link Growth#COMPACT}, the largest addressable
     * expectedEntries, the smallest loadFactor a segment holds 8 entries with).
     */
    @Test
    void everyBuilderLimitAcceptsItsBoundaryValue()
    {
        assertDoesNotThrow(() -> builder().segmentBytes(PresizedDocRefMap.MIN_SEGMENT_BYTES).build().close());
        assertDoesNotThrow(() -> builder().segmentBytes(PresizedDocRefMap.MAX_SEGMENT_BYTES));
        assertDoesNotThrow(() -> builder().growth(Growth.COMPACT)
            .segmentBytes(PresizedDocRefMap.MAX_CLASS_SEGMENT_BYTES).build().close());
        assertMessage(() -> builder().growth(Growth.COMPACT)
            .segmentBytes(2 * PresizedDocRefMap.MAX_CLASS_SEGMENT_BYTES).build(), "growth COMPACT");

        final long max = PresizedDocRefMap.maxExpectedEntries(
            PresizedDocRefMap.maxCapacityFor(PresizedDocRefMap.DEFAULT_SEGMENT_BYTES),
            PresizedDocRefMap.DEFAULT_LOAD_FACTOR);
        assertMessage(() -> withCapacity(max + 1), "is more than the", "a map can address");
        // The largest addressable map passes validation; no machine here holds it, so allocating it fails.
        final Throwable atMax = assertThrows(Throwable.class, () -> withCapacity(max).close());
        assertFalse(atMax instanceof IllegalArgumentException, () -> "refused as unaddressable: " + atMax);

        // 512-byte segments have 16 home slots: 0.5 leaves exactly 8 entries, the least allowed.
        assertDoesNotThrow(() -> builder().segmentBytes(512).loadFactor(0.5).build().close());
        assertMessage(() -> builder().segmentBytes(512).loadFactor(0.49).build(), "only 7 of its 16 home slots");
    }

    @Test
    void putOfMissingValueIsRejectedAndTheMapIsUnchanged()
    {
        try (PresizedDocRefMap map = builder().missingValue(7).build())
        {
            map.put(1, 100);
            final IllegalArgumentException put = assertThrows(IllegalArgumentException.class, () -> map.put(1, 7));
            assertTrue(put.getMessage().contains("docRef 7") && put.getMessage().contains("missingValue"),
                put.getMessage());
            assertThrows(IllegalArgumentException.class, () -> map.putIfAbsent(2, 7));
            assertEquals(100, map.get(1));
            assertEquals(7, map.get(2));
            assertEquals(1, map.size());
            assertEquals(7, map.put(3, -1), "absent before: the previous docRef is missingValue, 7");
            assertEquals(-1, map.get(3), "-1 is an ordinary docRef when missingValue is 7");
        }
    }

    @Test
    void edgeKeysAreOrdinaryKeys()
    {
        final long[] keys = { 0, -1, 1, Long.MIN_VALUE, Long.MAX_VALUE };
        try (PresizedDocRefMap map = withCapacity(0))
        {
            for (int i = 0; i < keys.length; i++)
            {
                assertEquals(-1, map.put(keys[i], i));
            }
            for (int i = 0; i < keys.length; i++)
            {
                assertEquals(i, map.get(keys[i]));
                assertTrue(map.containsKey(keys[i]));
            }
            assertEquals(keys.length, map.size());
            assertEquals(3, map.remove(Long.MIN_VALUE));
            assertFalse(map.containsKey(Long.MIN_VALUE));
            assertEquals(4, map.putIfAbsent(Long.MAX_VALUE, 99), "present: unchanged");
            assertEquals(4, map.get(Long.MAX_VALUE));
        }
    }

    @Test
    void theKeyThatMixesToZeroIsNotMistakenForAnEmptySlot()
    {
        // Its mixed word, 0, equals the key word of every empty slot; the window compares slots without branches.
        final long seed = 5;
        final long zero = Hashing.unmix(0, seed);
        try (PresizedDocRefMap map = builder().expectedEntries(100).hashSeed(seed).build())
        {
            for (long key = 1; key <= 50; key++)
            {
                map.put(key == zero ? -key : key, key);
            }
            assertEquals(-1, map.get(zero));
            assertFalse(map.containsKey(zero));
            assertEquals(-1, map.remove(zero), "absent: nothing removed");
            assertEquals(50, map.size());
            assertEquals(-1, map.put(zero, 7));
            assertEquals(7, map.get(zero));
            assertEquals(7, map.remove(zero));
            assertEquals(-1, map.get(zero));
            assertEquals(50, map.size());
            for (long key = 1; key <= 50; key++)
            {
                assertEquals(key, map.get(key == zero ? -key : key));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = { false, true })
    void failedSplitAllocationLeavesTheMapUnchangedAndUsable(final boolean prepareOnThread)
    {
        final FaultyAllocator allocator = new FaultyAllocator();
        final Map<Long, Long> model = new HashMap<>();
        try (PresizedDocRefMap map = builder().segmentBytes(1024).hashSeed(3)
            .rawAllocator(allocator).prepareOnThread(prepareOnThread).build())
        {
            final SplittableRandom random = new SplittableRandom(9);
            int failures = 0;
            for (int i = 0; i < 20_000; i++)
            {
                final long key = random.nextLong();
                allocator.failEvery = random.nextInt(3) + 1;
                final int segments = map.segmentCount();
                final long bytes = map.offHeapBytes();
                try
                {
                    map.put(key, i);
                    model.put(key, (long)i);
                }
                catch (final OutOfMemoryError ex)
                {
                    failures++;
                    assertTrue(ex.getMessage().contains("the map is unchanged"), ex.getMessage());
                    assertEquals(segments, map.segmentCount());
                    // On puts, a failed split keeps at most the spare block it had; the preparer thread may add
                    // ready blocks at any moment, so with it only the map's structure is checked.
                    assertTrue(prepareOnThread || map.offHeapBytes() <= bytes + 1024, "at most a spare block kept");
                    assertEquals(model.size(), map.size());
                    assertEquals(-1, map.get(key));
                }
            }
            assertTrue(failures > 10, "the injected failures happened: " + failures);
            allocator.failEvery = 0;
            PresizedDocRefMapModelTest.assertSameContents(map, model);
            for (int i = 0; i < 20_000; i++)
            {
                map.put(-i - 1, i);
            }
            assertEquals(model.size() + 20_000, map.size());
        }
        assertEquals(0, allocator.liveBlocks(), "close freed every block");
    }

    @Test
    void failedUpFrontAllocationFreesWhatItHadAllocated()
    {
        final FaultyAllocator allocator = new FaultyAllocator();
        allocator.failAfter = 10;
        final OutOfMemoryError ex = assertThrows(OutOfMemoryError.class,
            () -> builder().expectedEntries(1_000_000).rawAllocator(allocator).build());
        assertTrue(ex.getMessage().contains("withCapacity(1000000)"), ex.getMessage());
        assertEquals(0, allocator.liveBlocks());
    }

    @Test
    void failedUpFrontAllocationSaysNothingStaysAllocatedAndHowMuchWasNeeded()
    {
        final FaultyAllocator allocator = new FaultyAllocator();
        allocator.failAfter = 10;
        final OutOfMemoryError ex = assertThrows(OutOfMemoryError.class,
            () -> builder().expectedEntries(58_720_256L).rawAllocator(allocator).build());
        final String message = ex.getMessage();
        assertTrue(message.contains("withCapacity(58720256): 16384 segments of 68.00 KiB, 1.06 GiB in all"),
            message);
        assertTrue(message.contains("nothing stays allocated") && message.contains("fewer entries"), message);
        assertFalse(message.contains("still usable"), "no map exists to be usable: " + message);
        assertEquals(0, allocator.liveBlocks());
    }

    @Test
    void aDirectoryTooLargeForTheHeapGetsAnErrorNamingTheHeapItNeeds()
    {
        // 2^30 segments: a directory array of 4 GiB, more than the tests' 1 GiB heap.
        org.junit.jupiter.api.Assumptions.assumeTrue(Runtime.getRuntime().maxMemory() < 4L << 30,
            "needs a heap under 4 GiB");
        final FaultyAllocator allocator = new FaultyAllocator();
        final OutOfMemoryError ex = assertThrows(OutOfMemoryError.class,
            () -> builder().expectedEntries(5_000_000_000_000L).rawAllocator(allocator).build());
        final String message = ex.getMessage();
        assertTrue(message.contains("Java heap") && message.contains("1073741824 segments") &&
            message.contains("-Xmx") && message.contains("larger segmentBytes"), message);
        assertEquals(0, allocator.liveBlocks());
    }

    @Test
    void aPresizedMapLargerThanTheMachineIsRefusedBeforeAnythingIsAllocated()
    {
        final OutOfMemoryError ex = assertThrows(OutOfMemoryError.class,
            () -> MachineMemory.requireRoomFor(40L << 30, 16L << 30, 8L << 30, "withCapacity(2000000000)"));
        final String message = ex.getMessage();
        assertTrue(message.contains("40.00 GiB") && message.contains("16.00 GiB of memory") &&
            message.contains("8.00 GiB of swap") && message.contains("fewer entries"), message);
        assertDoesNotThrow(() -> MachineMemory.requireRoomFor(20L << 30, 16L << 30, 8L << 30, "fits"));
        assertDoesNotThrow(() -> MachineMemory.requireRoomFor(20L << 30, 0, 0, "memory not reported"));
        // And through withCapacity, with the machine's own memory: a trillion entries need about 19 TB.
        final OutOfMemoryError real = assertThrows(OutOfMemoryError.class,
            () -> PresizedDocRefMap.withCapacity(1_000_000_000_000L));
        assertTrue(real.getMessage().contains("will not allocate"), real.getMessage());
    }

    @Test
    void unreachableMapIsFreedByTheCleanerWithOneWarning() throws InterruptedException
    {
        final FaultyAllocator allocator = new FaultyAllocator();
        final List<LogRecord> records = new ArrayList<>();
        final Logger logger = Logger.getLogger("dev.docref.core.PresizedDocRefMap");
        final Handler handler = new Handler()
        {
            public void publish(final LogRecord record)
            {
                synchronized (records)
                {
                    records.add(record);
                }
            }

            public void flush()
            {
            }

            public void close()
            {
            }
        };
        logger.addHandler(handler);
        try
        {
            createAndDrop(allocator);
            final long deadline = System.nanoTime() + 10_000_000_000L;
            while (allocator.liveBlocks() != 0 && System.nanoTime() < deadline)
            {
                System.gc();
                Thread.sleep(20);
            }
            assertEquals(0, allocator.liveBlocks(), "the Cleaner freed the dropped map's memory");
            synchronized (records)
            {
                assertEquals(1, records.size());
                assertTrue(records.get(0).getMessage().contains("without close()"), records.get(0).getMessage());
            }
        }
        finally
        {
            logger.removeHandler(handler);
        }
    }

    private void createAndDrop(final FaultyAllocator allocator)
    {
        final PresizedDocRefMap map =
            builder().expectedEntries(100_000).rawAllocator(allocator).build();
        map.put(1, 1);
        assertTrue(allocator.liveBlocks() > 0);
    }

    @Test
    void closingExplicitlyLogsNothingAndFreesEverything()
    {
        final FaultyAllocator allocator = new FaultyAllocator();
        final PresizedDocRefMap map = builder().segmentBytes(4096).rawAllocator(allocator).build();
        for (int i = 0; i < 100_000; i++)
        {
            map.put(i, i);
        }
        assertTrue(allocator.liveBlocks() > 10);
        map.close();
        assertEquals(0, allocator.liveBlocks());
    }

    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();

    /** Heap bytes this thread has allocated so far (HotSpot's per-thread counter); allocates nothing itself. */
    private static long allocatedByThisThread()
    {
        return THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    @Test
    void getPutRemoveContainsAndCursorAllocateNothing()
    {
        try (PresizedDocRefMap map = withCapacity(100_000))
        {
            final PresizedDocRefMap.Cursor cursor = map.cursor();
            long sink = 0;
            for (int round = 0; round < 3; round++)
            {
                final long before = allocatedByThisThread();
                for (long i = 0; i < 100_000; i++)
                {
                    map.put(i, i);
                    map.putIfAbsent(i + 1, i);
                    sink += map.get(i) + map.get(-i - 5);
                    sink += map.containsKey(i) ? 1 : 0;
                }
                cursor.reset();
                while (cursor.next())
                {
                    sink += cursor.key() ^ cursor.value();
                }
                for (long i = 0; i < 100_000; i += 2)
                {
                    sink += map.remove(i);
                }
                final long allocated = allocatedByThisThread() - before;
                if (round > 0)
                {
                    assertEquals(0, allocated, "bytes allocated on the heap by hot paths");
                }
            }
            assertNotEquals(0, sink);
        }
    }

    /**
     * A new cursor, as {@code forEach} makes one per pass, allocates only itself (a few dozen bytes) until a segment
     * splits under it: the arrays it resumes from after nested splits, 528 bytes, are made only then. Fails if the
     * cursor allocates them up front (600 bytes for a cursor and a pass).
     */
    @Test
    void aNewCursorAllocatesOnlyItselfUntilASegmentSplitsUnderIt()
    {
        try (PresizedDocRefMap map = withCapacity(10_000))
        {
            for (long i = 0; i < 10_000; i++)
            {
                map.put(i, i);
            }
            long sink = 0;
            for (int round = 0; round < 3; round++)
            {
                final long before = allocatedByThisThread();
                final PresizedDocRefMap.Cursor cursor = map.cursor();
                while (cursor.next())
                {
                    sink += cursor.key() + cursor.value();
                }
                final long allocated = allocatedByThisThread() - before;
                assertTrue(allocated < 256, "a new cursor and a pass allocated " + allocated + " bytes");
            }
            assertNotEquals(0, sink);
        }
    }

    /**
     * What the javadoc says of heap allocation while a map grows: a put allocates on the heap only if it replaces the
     * segment its key lands in (a split or grow: new {@code Segment} objects, sometimes a doubled directory) or does a
     * step of preparing blocks for splits (recording a new native block), and gets, removes and misses allocate
     * nothing. The class javadoc used to say that puts allocate nothing; splits do, and this test sees them.
     */
    @Test
    void whileGrowingOnlyPutsThatSplitOrPrepareABlockAllocateOnTheHeap()
    {
        for (int round = 0; round < 2; round++)
        {
            // Blocks prepared on puts, so that every step of it runs on this thread and is seen.
            try (PresizedDocRefMap map = builder().segmentBytes(4096).expectedEntries(10_000).hashSeed(round)
                .prepareOnThread(false).build())
            {
                int replacingPutsThatAllocated = 0;
                for (long key = 0; key < 100_000; key++)
                {
                    final Segment before = map.segmentOf(key);
                    final boolean stepPending = map.reserve().pendingWork() > 0;
                    final long start = allocatedByThisThread();
                    map.put(key, key);
                    final long putBytes = allocatedByThisThread() - start;
                    final boolean replaced = map.segmentOf(key) != before;
                    final long readStart = allocatedByThisThread();
                    final long sink = map.get(key) + map.get(-key - 1) + (map.containsKey(key / 2) ? 1 : 0) +
                        map.remove(-key - 1);
                    final long readBytes = allocatedByThisThread() - readStart;
                    if (round == 0)
                    {
                        continue;
                    }
                    final long put = key;
                    assertTrue(putBytes == 0 || replaced || stepPending,
                        () -> "put " + put + " allocated " + putBytes + " bytes without a split or a step");
                    assertEquals(0, readBytes, () -> "gets, containsKey and a remove allocated, sink " + sink);
                    if (replaced && putBytes > 0)
                    {
                        replacingPutsThatAllocated++;
                    }
                }
                if (round == 1)
                {
                    assertTrue(replacingPutsThatAllocated > 100, "splits allocate: " + replacingPutsThatAllocated);
                }
            }
        }
    }

    @Test
    void clearKeepsTheMemoryAndTheMapIsReusable()
    {
        try (PresizedDocRefMap map = builder().segmentBytes(4096).build())
        {
            for (int i = 0; i < 50_000; i++)
            {
                map.put(i, i);
            }
            PresizedDocRefMapModelTest.awaitPreparerIdle();
            final long bytes = map.offHeapBytes();
            final int segments = map.segmentCount();
            map.clear();
            assertEquals(0, map.size());
            assertTrue(map.isEmpty());
            assertEquals(bytes, map.offHeapBytes());
            assertEquals(segments, map.segmentCount());
            assertEquals(-1, map.get(5));
            assertFalse(map.cursor().next());
            for (int i = 0; i < 50_000; i++)
            {
                assertEquals(-1, map.put(i, i + 1));
            }
            assertEquals(segments, map.segmentCount(), "refilling after clear needs no new segment");
        }
    }

    @Test
    void cursorResetIteratesAgain()
    {
        try (PresizedDocRefMap map = withCapacity(100))
        {
            for (int i = 0; i < 50; i++)
            {
                map.put(i, i * 10);
            }
            final PresizedDocRefMap.Cursor cursor = map.cursor();
            for (int pass = 0; pass < 2; pass++)
            {
                long count = 0;
                long sum = 0;
                cursor.reset();
                while (cursor.next())
                {
                    count++;
                    sum += cursor.value();
                    assertEquals(cursor.key() * 10, cursor.value());
                }
                assertEquals(50, count);
                assertEquals(12250, sum);
                assertFalse(cursor.next(), "stays exhausted");
            }
            assertEquals(concurrency(), map.concurrency());
        }
    }

    @Test
    void keysPilingUpAtTheEndOfASegmentSpillIntoTheTailThenSplit()
    {
        final long seed = 77;
        // 16 home slots, a tail of 8, fill limit 15: keys all homed at the last home slot fill it and the tail
        // (9 entries), and the 10th would spill past the tail, so the segment splits although it is below its limit.
        try (PresizedDocRefMap map = builder().segmentBytes(512).loadFactor(0.95)
            .hashSeed(seed).build())
        {
            assertEquals(16, PresizedDocRefMap.maxCapacityFor(512));
            final long[] keys = new long[12];
            for (int i = 0; i < keys.length; i++)
            {
                // Low 32 bits 0xFFFF_FFF0 + i: home 15 of 16. Top bit alternates so a split separates them.
                final long mixed = ((long)(i & 1) << 63) | ((long)i << 40) | (0xFFFF_FFF0L + i);
                keys[i] = Hashing.unmix(mixed, seed);
                assertEquals(15, Segment.home(Hashing.mix(keys[i], seed), 16));
            }
            for (int i = 0; i < 9; i++)
            {
                map.put(keys[i], i);
            }
            assertEquals(1, map.segmentCount(), "9 entries fit: the last home slot and the 8-slot tail");
            map.put(keys[9], 9);
            assertEquals(2, map.segmentCount(), "the 10th would spill past the tail: split");
            map.put(keys[10], 10);
            map.put(keys[11], 11);
            for (int i = 0; i < keys.length; i++)
            {
                assertEquals(i, map.get(keys[i]));
            }
            for (int i = 0; i < keys.length; i += 2)
            {
                assertEquals(i, map.remove(keys[i]));
            }
            for (int i = 0; i < keys.length; i++)
            {
                assertEquals(i % 2 == 0 ? -1 : i, map.get(keys[i]));
            }
        }
    }

    @Test
    void toStringDescribesTheShape()
    {
        try (PresizedDocRefMap map = withCapacity(10))
        {
            map.put(1, 1);
            assertTrue(map.toString().startsWith("PresizedDocRefMap{size=1, segments=1"), map.toString());
        }
    }

    /** A raw allocator that counts live blocks and fails on request. */
    static final class FaultyAllocator implements NativeMemory.RawAllocator
    {
        int failEvery;
        int failAfter = Integer.MAX_VALUE;
        private int calls;
        private final Map<Long, Long> live = new HashMap<>();

        public synchronized long allocate(final long bytes, final boolean zeroed)
        {
            calls++;
            if (calls > failAfter || (failEvery > 0 && calls % failEvery == 0))
            {
                throw new OutOfMemoryError("injected failure");
            }
            final long address = NativeMemory.OFF_HEAP.allocate(bytes, zeroed);
            live.put(address, bytes);
            return address;
        }

        public synchronized void free(final long address)
        {
            assertTrue(live.remove(address) != null, "double free or foreign block");
            NativeMemory.OFF_HEAP.free(address);
        }

        synchronized int liveBlocks()
        {
            return live.size();
        }
    }

    static void assertMessage(final org.junit.jupiter.api.function.Executable call, final String... fragments)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, call);
        for (final String fragment : fragments)
        {
            assertTrue(ex.getMessage().contains(fragment), () -> "'" + fragment + "' not in: " + ex.getMessage());
        }
    }

    /** What a test fills values with before getAll: no docRef the tests put. */
    private static final long UNWRITTEN = Long.MIN_VALUE + 3;

    /**
     * getAll against a loop of get over maps pre-sized at the default segment size and grown from empty into many
     * 512-byte segments, with a custom missingValue, on every range of 0 to 40 keys at the start, middle and end of
     * the arrays: batch tails of every length, both sides of the batch size.
     */
    @ParameterizedTest
    @ValueSource(ints = { PresizedDocRefMap.MIN_SEGMENT_BYTES, PresizedDocRefMap.DEFAULT_SEGMENT_BYTES })
    void getAllWritesWhatALoopOfGetReturnsAndNothingOutsideTheRange(final int segmentBytes)
    {
        final long missing = 42;
        final long expected = segmentBytes == PresizedDocRefMap.DEFAULT_SEGMENT_BYTES ? 20_000 : 0;
        try (PresizedDocRefMap map = builder().segmentBytes(segmentBytes).expectedEntries(expected)
            .missingValue(missing).hashSeed(segmentBytes).build())
        {
            final SplittableRandom random = new SplittableRandom(segmentBytes);
            final long[] keys = new long[20_000];
            for (int i = 0; i < keys.length; i++)
            {
                keys[i] = i % 3 == 0 ? random.nextLong() : i;
                if (i % 4 != 0)
                {
                    map.put(keys[i], random.nextLong() | 1L << 62 | 1);
                }
            }
            keys[0] = Long.MIN_VALUE;
            keys[keys.length - 1] = Long.MAX_VALUE;
            map.put(Long.MAX_VALUE, 7);
            if (segmentBytes == PresizedDocRefMap.MIN_SEGMENT_BYTES)
            {
                assertTrue(map.segmentCount() > 1000, () -> "grown into many segments: " + map.segmentCount());
            }

            final long[] values = new long[keys.length];
            final int all = map.getAll(keys, values);
            assertEquals(loopOfGet(map, keys, 0, keys.length, values), all, "found over the whole array");

            for (final int from : new int[] {0, 1, 5_003, keys.length - 40})
            {
                for (int length = 0; length <= 40; length++)
                {
                    final int to = Math.min(keys.length, from + length);
                    final long[] range = new long[keys.length];
                    java.util.Arrays.fill(range, UNWRITTEN);
                    final int found = map.getAll(keys, from, to, range);
                    assertEquals(loopOfGet(map, keys, from, to, range), found,
                        "found in [" + from + ", " + to + ")");
                }
            }
            // The last key, at the arrays' very end, is found with the docRef it was given.
            assertEquals(7, values[keys.length - 1]);
        }
    }

    /**
     * Checks {@code values} against a loop of get over {@code [from, to)} and that it holds {@link #UNWRITTEN}
     * elsewhere; returns how many of the keys the loop found.
     */
    private static int loopOfGet(final PresizedDocRefMap map, final long[] keys, final int from, final int to,
        final long[] values)
    {
        int found = 0;
        for (int i = 0; i < keys.length; i++)
        {
            if (i >= from && i < to)
            {
                final long expected = map.get(keys[i]);
                final int index = i;
                assertEquals(expected, values[i], () -> "values[" + index + "] for key " + keys[index] + " in [" +
                    from + ", " + to + ")");
                found += expected != map.missingValue() ? 1 : 0;
            }
            else
            {
                final int index = i;
                assertEquals(UNWRITTEN, values[i], () -> "values[" + index + "] outside [" + from + ", " + to +
                    ") was written");
            }
        }
        return found;
    }

    @Test
    void getAllRejectsEachBadArgumentNamingItsValueAndLimitAndWritesNothing()
    {
        try (PresizedDocRefMap map = withCapacity(10))
        {
            map.put(1, 10);
            final long[] keys = {1, 2, 3};
            final long[] values = {-7, -7, -7};
            assertEquals("getAll: keys is null; pass an array of the keys to look up",
                assertThrows(NullPointerException.class, () -> map.getAll(null, values)).getMessage());
            assertEquals("getAll: keys is null; pass an array of the keys to look up",
                assertThrows(NullPointerException.class, () -> map.getAll(null, 0, 0, values)).getMessage());
            assertEquals("getAll: values is null; pass an array of at least 3 longs to receive the docRefs",
                assertThrows(NullPointerException.class, () -> map.getAll(keys, null)).getMessage());
            assertEquals("getAll: from -1 is negative; pass from >= 0",
                assertThrows(IllegalArgumentException.class, () -> map.getAll(keys, -1, 2, values)).getMessage());
            assertEquals("getAll: from 2 is after to 1; pass from <= to (from == to looks up nothing)",
                assertThrows(IllegalArgumentException.class, () -> map.getAll(keys, 2, 1, values)).getMessage());
            assertEquals("getAll: to 4 is past the end of keys (length 3); pass to <= keys.length",
                assertThrows(IllegalArgumentException.class, () -> map.getAll(keys, 0, 4, values)).getMessage());
            assertEquals("getAll: values has length 2, too short for to 3 (values[i] receives the docRef of " +
                "keys[i]); pass a values array of length at least 3",
                assertThrows(IllegalArgumentException.class, () -> map.getAll(keys, new long[2])).getMessage());
            assertEquals("getAll: values is the keys array, which the lookups would overwrite before reading " +
                "every key; pass a separate values array of length at least 3",
                assertThrows(IllegalArgumentException.class, () -> map.getAll(keys, keys)).getMessage());
            assertArrayEquals(new long[] {-7, -7, -7}, values, "nothing written");
            assertArrayEquals(new long[] {1, 2, 3}, keys, "keys untouched");

            final long[] shortValues = new long[2];
            assertEquals(1, map.getAll(keys, 0, 2, shortValues), "values need only reach to");
            assertArrayEquals(new long[] {10, -1}, shortValues);
            assertEquals(0, map.getAll(keys, 3, 3, values), "an empty range at the end");
            assertEquals(0, map.getAll(new long[0], new long[0]));
            assertArrayEquals(new long[] {-7, -7, -7}, values, "an empty range writes nothing");
        }
    }

    @Test
    void getAllAfterCloseThrowsAndWritesNothing()
    {
        final PresizedDocRefMap map = withCapacity(10);
        map.put(1, 10);
        map.close();
        final long[] values = {-7};
        final IllegalStateException ex =
            assertThrows(IllegalStateException.class, () -> map.getAll(new long[] {1}, values));
        assertTrue(ex.getMessage().contains("closed"), ex.getMessage());
        assertEquals(-7, values[0]);
        assertThrows(IllegalStateException.class, () -> map.getAll(new long[0], new long[0]),
            "an empty range after close throws too, as get does");
    }
}
