package dev.docref.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.docref.guard.AllocationGuard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pre-sized segments allocated in groups, as {@link HugePages} asks where huge pages are in use: a group is one raw
 * block, freed (and leaves the accounting) when its last piece is freed; a map built so behaves as any other and
 * returns everything on close.
 */
class GroupedAllocationTest
{
    private static final long BASE = 1L << 40;

    /** Hands out blocks at consecutive addresses and records what is allocated and freed. */
    private static final class Recording implements NativeMemory.RawAllocator
    {
        long next = BASE;
        final List<Long> allocated = new ArrayList<>();
        final List<Long> freed = new ArrayList<>();

        public long allocate(final long bytes, final boolean zeroed)
        {
            final long address = next;
            next += bytes;
            allocated.add(bytes);
            return address;
        }

        public void free(final long address)
        {
            freed.add(address);
        }
    }

    @Test
    void aGroupIsOneBlockReturnedWhenItsLastPieceIsFreed()
    {
        final Recording raw = new Recording();
        try (AllocationGuard guard = AllocationGuard.fromProperties(new Properties()))
        {
            final NativeMemory memory = new NativeMemory(raw, guard, "GroupedAllocationTest");
            final long base = memory.allocateGroup(100, 4, true, NativeMemory.Purpose.WITH_CAPACITY, "test");
            final long single = memory.allocate(50, true, NativeMemory.Purpose.SPLIT, "test");
            assertEquals(List.of(400L, 50L), raw.allocated, "one raw block for the four pieces");
            assertEquals(450, memory.offHeapBytes());
            assertEquals(400, memory.largestAllocationBytes());
            assertEquals(450, guard.reservedBytes());

            memory.free(base + 100);
            memory.free(base);
            memory.free(base + 300);
            assertEquals(List.of(), raw.freed, "pieces still live: nothing returned");
            assertEquals(450, memory.offHeapBytes(), "the group's memory is held until its last piece goes");
            assertThrows(IllegalStateException.class, () -> memory.free(base + 100), "a piece freed twice");
            assertThrows(IllegalStateException.class, () -> memory.free(base + 250), "not a piece's start");

            memory.free(base + 200);
            assertEquals(List.of(base), raw.freed, "the group's block, once");
            assertEquals(50, memory.offHeapBytes());
            assertEquals(50, guard.reservedBytes());
            assertEquals(0, memory.liveGroups());
            assertThrows(IllegalStateException.class, () -> memory.free(base), "the group is gone");

            memory.free(single);
            assertEquals(0, memory.offHeapBytes());
            assertEquals(0, guard.reservedBytes());
        }
    }

    @Test
    void closingFreesALiveGroupOnce()
    {
        final Recording raw = new Recording();
        try (AllocationGuard guard = AllocationGuard.fromProperties(new Properties()))
        {
            final NativeMemory memory = new NativeMemory(raw, guard, "GroupedAllocationTest");
            final long base = memory.allocateGroup(100, 3, true, NativeMemory.Purpose.WITH_CAPACITY, "test");
            memory.free(base + 100);
            memory.markClosedExplicitly();
            memory.run();
            assertEquals(List.of(base), raw.freed);
            assertEquals(0, memory.offHeapBytes());
            assertEquals(0, guard.reservedBytes());
            assertEquals(0, memory.liveGroups());
        }
    }

    @ParameterizedTest
    @EnumSource(Concurrency.class)
    void aGroupedPresizedMapBehavesAsAnyOtherThroughGrowthAndClose(final Concurrency concurrency)
    {
        try (AllocationGuard guard = AllocationGuard.fromProperties(new Properties()))
        {
            final int expected = 20_000;
            final long groupBytes = 256 << 10;
            final Map<Long, Long> model = new HashMap<>();
            final SplittableRandom random = new SplittableRandom(5);
            try (PresizedDocRefMap map = PresizedDocRefMap.builder().expectedEntries(expected).segmentBytes(16 << 10)
                .concurrency(concurrency).guard(guard).groupBytes(groupBytes).build())
            {
                final long presized = map.offHeapBytes();
                assertTrue(map.largestAllocationBytes() > 16 << 10 && map.largestAllocationBytes() <= groupBytes,
                    "segments were allocated in groups: largest allocation " + map.largestAllocationBytes());
                // Three times the capacity: every pre-sized segment splits, so every piece of every group is
                // replaced (the single-threaded map frees each; the thread-safe map keeps them until close).
                for (int i = 0; i < 3 * expected; i++)
                {
                    final long key = random.nextLong();
                    map.put(key, i);
                    model.put(key, (long)i);
                    if (i % 7 == 0)
                    {
                        final long gone = random.nextLong();
                        map.remove(gone);
                        model.remove(gone);
                    }
                }
                assertEquals(model.size(), map.size());
                for (final Map.Entry<Long, Long> entry : model.entrySet())
                {
                    assertEquals((long)entry.getValue(), map.get(entry.getKey()));
                }
                assertTrue(map.segmentCount() > 0 && map.offHeapBytes() > presized, map.toString());
            }
            assertEquals(0, guard.reservedBytes(), "close returned every group and block to the guard");
        }
    }

    @Test
    void theHugePagesPropertyAndTheKernelSettingDecideTheGroupSize()
    {
        assertEquals(HugePages.GROUP_BYTES, HugePages.groupBytes("auto", "always", ""));
        assertEquals(0, HugePages.groupBytes("auto", "madvise", ""));
        assertEquals(0, HugePages.groupBytes("auto", "", ""), "no setting to read: no grouping");
        assertEquals(HugePages.GROUP_BYTES, HugePages.groupBytes(" ON ", "never", ""));
        assertEquals(0, HugePages.groupBytes("off", "always", "1"));
        final IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
            () -> HugePages.groupBytes("yes", "always", ""));
        assertTrue(bad.getMessage().startsWith("docref.huge.pages = \"yes\" is not a valid value; accepted: one of " +
            "auto, on, off (case-insensitive); auto, the default, groups"), bad.getMessage());
        assertEquals("madvise", HugePages.bracketed("always [madvise] never\n"));
        assertEquals("", HugePages.bracketed("always madvise never"));
        assertEquals(256, HugePages.segmentsPerGroup(HugePages.GROUP_BYTES, 128 << 10));
        assertEquals(1, HugePages.segmentsPerGroup(0, 128 << 10), "no grouping");
        assertEquals(1, HugePages.segmentsPerGroup(HugePages.GROUP_BYTES, 64 << 20), "segments larger than a group");
    }

    @Test
    void autoGroupsInMadviseModeWhenGlibcIsAskedToAdviseHugePages()
    {
        assertEquals(HugePages.GROUP_BYTES, HugePages.groupBytes("auto", "madvise", "1"));
        assertEquals(0, HugePages.groupBytes("auto", "never", "1"), "the kernel gives none: no grouping");
        assertEquals(0, HugePages.groupBytes("auto", "madvise", "0"));
        assertEquals(0, HugePages.groupBytes("auto", "madvise", "2"), "hugetlbfs pages reach ungrouped blocks too");
        assertEquals("1", HugePages.glibcHugetlb("glibc.malloc.hugetlb=1"));
        assertEquals("1", HugePages.glibcHugetlb("glibc.malloc.mmap_threshold=4096:glibc.malloc.hugetlb=1"));
        assertEquals("0", HugePages.glibcHugetlb("glibc.malloc.hugetlb=1:glibc.malloc.hugetlb=0"), "the last wins");
        assertEquals("", HugePages.glibcHugetlb("glibc.malloc.hugetlbx=1:glibc.malloc.arena_max=2"));
        assertEquals("", HugePages.glibcHugetlb(""));
    }
}
