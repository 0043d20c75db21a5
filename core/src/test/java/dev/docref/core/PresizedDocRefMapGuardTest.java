package dev.docref.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.docref.guard.AllocationBlockedException;
import dev.docref.guard.AllocationDecision;
import dev.docref.guard.AllocationEvent;
import dev.docref.guard.AllocationGuard;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PresizedDocRefMap through its AllocationGuard: blocked growth, accounting, and pre-sized maps under the limit. */
class PresizedDocRefMapGuardTest
{
    private static AllocationGuard guard(final String... keysAndValues)
    {
        return AllocationGuard.fromProperties(properties(keysAndValues));
    }

    private static Properties properties(final String... keysAndValues)
    {
        final Properties properties = new Properties();
        for (int i = 0; i < keysAndValues.length; i += 2)
        {
            properties.setProperty(keysAndValues[i], keysAndValues[i + 1]);
        }
        return properties;
    }

    /**
     * Grow a map under a guard in block mode until the guard refuses an allocation, then check the map against a
     * HashMap model; raise the limit at run time and check the refused put and further growth succeed.
     */
    @ParameterizedTest(name = "{3} blocked by {0} = {1} ({4})")
    @CsvSource({
        AllocationGuard.TOTAL_LIMIT_PROP_NAME + ", 256KiB, 4096, PresizedDocRefMap segment split, FAST",
        AllocationGuard.SINGLE_ALLOCATION_LIMIT_PROP_NAME + ", 32KiB, 65536, PresizedDocRefMap segment growth, FAST",
        AllocationGuard.SINGLE_ALLOCATION_LIMIT_PROP_NAME + ", 1KiB, 512, PresizedDocRefMap directory doubling, FAST",
        // COMPACT: the first size-class segments come from an arena chunk of 8 segments (32 KiB at 4 KiB), so the
        // total limit stops a class grow; the directory test needs room for a chunk of 8 segments of 512 bytes.
        AllocationGuard.TOTAL_LIMIT_PROP_NAME + ", 256KiB, 4096, PresizedDocRefMap segment growth, COMPACT",
        AllocationGuard.SINGLE_ALLOCATION_LIMIT_PROP_NAME + ", 32KiB, 65536, PresizedDocRefMap segment growth, COMPACT",
        AllocationGuard.SINGLE_ALLOCATION_LIMIT_PROP_NAME +
            ", 8KiB, 512, PresizedDocRefMap directory doubling, COMPACT",
    })
    void aBlockedGrowthLeavesTheMapIntactAndTheNextPutSucceedsOnceTheLimitIsRaised(
        final String limitProperty, final String limit, final int segmentBytes, final String blockedWhat,
        final Growth growth)
    {
        final Map<Long, Long> model = new HashMap<>();
        try (AllocationGuard guard = guard(AllocationGuard.MODE_PROP_NAME, "block", limitProperty, limit))
        {
            final List<AllocationEvent> events = new CopyOnWriteArrayList<>();
            guard.addListener(events::add);
            // Blocks prepared on puts, so that every allocation, and the memory checked after each put, is the
            // put's own; the preparer thread's handling of a refused allocation is BlockPreparerTest's.
            try (PresizedDocRefMap map = PresizedDocRefMap.builder().segmentBytes(segmentBytes).hashSeed(7)
                .growth(growth).guard(guard).prepareOnThread(false).build())
            {
                final SplittableRandom random = new SplittableRandom(11);
                AllocationBlockedException blocked = null;
                long refusedKey = 0;
                for (int i = 0; i < 1_000_000 && blocked == null; i++)
                {
                    final long key = random.nextLong();
                    final long bytes = map.offHeapBytes();
                    final int segments = map.segmentCount();
                    try
                    {
                        map.put(key, i);
                        model.put(key, (long)i);
                    }
                    catch (final AllocationBlockedException ex)
                    {
                        blocked = ex;
                        refusedKey = key;
                        assertEquals(segments, map.segmentCount(), "no segment was added");
                        assertTrue(map.offHeapBytes() <= bytes, "no memory was kept");
                    }
                }
                assertTrue(blocked != null, "the guard must block within a million puts");
                assertEquals(blockedWhat, blocked.event().what(), blocked::getMessage);
                assertEquals(limitProperty, blocked.event().limitProperty());
                assertTrue(blocked.getMessage().startsWith("docref guard blocked a "), blocked::getMessage);
                assertTrue(events.stream().anyMatch(e -> e.decision() == AllocationDecision.BLOCKED));

                assertEquals(model.size(), map.size());
                assertEquals(-1, map.get(refusedKey));
                PresizedDocRefMapModelTest.assertSameContents(map, model);
                assertEquals(map.offHeapBytes(), guard.reservedBytes(), "every byte the map holds is reserved");

                guard.reconfigure(properties(limitProperty, "unlimited"));
                assertEquals(-1, map.put(refusedKey, 42), "the refused put succeeds once the limit is raised");
                model.put(refusedKey, 42L);
                for (int i = 0; i < 20_000; i++)
                {
                    final long key = random.nextLong();
                    map.put(key, i);
                    model.put(key, (long)i);
                }
                PresizedDocRefMapModelTest.assertSameContents(map, model);
                assertEquals(map.offHeapBytes(), guard.reservedBytes());
            }
            assertEquals(0, guard.reservedBytes(), "close released every byte");
        }
    }

    @Test
    void theGuardsTotalReturnsToZeroOnceEveryMapIsClosed()
    {
        try (AllocationGuard guard = guard())
        {
            final List<PresizedDocRefMap> maps = new ArrayList<>();
            maps.add(PresizedDocRefMap.builder().expectedEntries(100_000).guard(guard).build());
            maps.add(PresizedDocRefMap.builder().guard(guard).build());
            maps.add(PresizedDocRefMap.builder().segmentBytes(4096).guard(guard).build());
            final SplittableRandom random = new SplittableRandom(5);
            for (int i = 0; i < 300_000; i++)
            {
                maps.get(i % maps.size()).put(random.nextLong(), i);
            }
            for (int i = 0; i < 100_000; i++)
            {
                maps.get(1).remove(i);
            }
            PresizedDocRefMapModelTest.awaitPreparerIdle();
            long held = 0;
            for (final PresizedDocRefMap map : maps)
            {
                held += map.offHeapBytes();
            }
            assertTrue(held > 0);
            assertEquals(held, guard.reservedBytes(), "grown maps, their splits and reserve blocks are reserved");
            for (final PresizedDocRefMap map : maps)
            {
                map.close();
            }
            assertEquals(0, guard.reservedBytes());
        }
    }

    @Test
    void aBlockedUpFrontAllocationReleasesWhatItHadReserved()
    {
        try (AllocationGuard guard = guard(AllocationGuard.MODE_PROP_NAME, "block",
            AllocationGuard.TOTAL_LIMIT_PROP_NAME, "1MiB"))
        {
            final AllocationBlockedException ex = assertThrows(AllocationBlockedException.class,
                () -> PresizedDocRefMap.builder().expectedEntries(1_000_000).guard(guard).build());
            assertEquals("PresizedDocRefMap withCapacity", ex.event().what());
            assertEquals(0, guard.reservedBytes());
        }
    }

    @Test
    void aMapFreedByTheCleanerReleasesItsReservation() throws InterruptedException
    {
        try (AllocationGuard guard = guard())
        {
            createAndDrop(guard);
            assertTrue(guard.reservedBytes() > 0);
            final long deadline = System.nanoTime() + 10_000_000_000L;
            while (guard.reservedBytes() != 0 && System.nanoTime() < deadline)
            {
                System.gc();
                Thread.sleep(20);
            }
            assertEquals(0, guard.reservedBytes(), "the Cleaner thread released the dropped map's bytes");
        }
    }

    private static void createAndDrop(final AllocationGuard guard)
    {
        PresizedDocRefMap.builder().expectedEntries(10_000).guard(guard).build().put(1, 1);
    }

    /** Segments one by one (the default on 4 KiB pages) or in groups for huge pages ({@link HugePages}). */
    @ParameterizedTest
    @ValueSource(longs = {0, HugePages.GROUP_BYTES})
    void aMapPresizedForTheSeedsEntriesNeverTripsAOneGibibyteSingleAllocationLimit(final long groupBytes)
    {
        try (AllocationGuard guard = guard(AllocationGuard.MODE_PROP_NAME, "block",
            AllocationGuard.SINGLE_ALLOCATION_LIMIT_PROP_NAME, "1GiB"))
        {
            final List<AllocationEvent> events = new CopyOnWriteArrayList<>();
            guard.addListener(events::add);
            try (PresizedDocRefMap map = PresizedDocRefMap.builder().expectedEntries(58_720_256).guard(guard)
                .groupBytes(groupBytes).build())
            {
                assertTrue(map.offHeapBytes() > 1L << 30, "1.06 GiB in all: more than the single limit");
                assertTrue(guard.largestRequestBytes() <= Math.max(groupBytes, PresizedDocRefMap.DEFAULT_SEGMENT_BYTES),
                    "but no single allocation over one segment or group: " + guard.largestRequestBytes());
                assertEquals(map.offHeapBytes(), guard.reservedBytes());
                map.put(1, 2);
            }
            assertEquals(List.of(), events);
            assertEquals(0, guard.blocks());
            assertEquals(0, guard.reservedBytes());
        }
    }

    @Test
    void theDefaultGuardIsTheGlobalOne()
    {
        // Counted through checks, not reserved bytes: maps other tests dropped may be released by the Cleaner at
        // any moment, but only allocations make decisions.
        final AllocationGuard global = AllocationGuard.global();
        final long before = global.checks();
        try (PresizedDocRefMap map = PresizedDocRefMap.withCapacity(10_000))
        {
            assertEquals(before + 1 + 2L * map.segmentCount(), global.checks(),
                "a check of the directory, then a check and a reserve per segment");
        }
    }
}
