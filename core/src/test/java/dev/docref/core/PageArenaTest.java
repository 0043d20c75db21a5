package dev.docref.core;

import java.util.Properties;

import dev.docref.guard.AllocationGuard;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link PageArena}: first fit, oldest chunk first, coalescing, a new chunk only when nothing fits, never across
 * chunks. Chunks come from a fake allocator that hands out consecutive addresses (the arena never touches its
 * memory), so neighbouring chunks are adjacent and a run that crossed their boundary would be visible; one test hands
 * them out downwards, as {@code mmap} tends to, to show that the order they came in decides, not their addresses.
 */
class PageArenaTest
{
    private static final long PAGE = 4096;
    private static final long CHUNK = PAGE * PageArena.CHUNK_PAGES;
    private static final long BASE = 1L << 40;

    private final AllocationGuard guard = AllocationGuard.fromProperties(new Properties());
    private final Consecutive raw = new Consecutive();
    private final NativeMemory memory = new NativeMemory(raw, guard, "PageArenaTest");
    private final PageArena arena = new PageArena(memory, PAGE);

    /** Hands out chunk after chunk at consecutive addresses, upwards or downwards; can be told to fail. */
    private static final class Consecutive implements NativeMemory.RawAllocator
    {
        long next = BASE;
        boolean downwards;
        boolean fail;

        public long allocate(final long bytes, final boolean zeroed)
        {
            if (fail)
            {
                throw new OutOfMemoryError("test");
            }
            if (downwards)
            {
                next -= bytes;
                return next;
            }
            final long address = next;
            next += bytes;
            return address;
        }

        public void free(final long address)
        {
        }
    }

    @AfterEach
    void close()
    {
        memory.markClosedExplicitly();
        memory.run();
        guard.close();
    }

    private long page(final long address)
    {
        return (address - BASE) / PAGE;
    }

    @Test
    void firstRunFindsTheLowestRunOfFreePages()
    {
        assertEquals(0, PageArena.firstRun(-1L, 64));
        assertEquals(0, PageArena.firstRun(0b1110111L, 3));
        assertEquals(-1, PageArena.firstRun(0b1110111L, 4));
        assertEquals(4, PageArena.firstRun(0b1111_0111L, 4), "pages 0-2 free, 3 used, 4-7 free");
        assertEquals(60, PageArena.firstRun(0xF000_0000_0000_0000L, 4));
        assertEquals(-1, PageArena.firstRun(0xF000_0000_0000_0000L, 5));
        assertEquals(-1, PageArena.firstRun(0L, 1));
        assertEquals(-1L, PageArena.mask(0, 64));
        assertEquals(0b111000L, PageArena.mask(3, 3));
    }

    @Test
    void blocksAreCarvedLowestFirstAndAFreedBlockIsReusedFirst()
    {
        final long a = arena.allocate(5, NativeMemory.Purpose.SPLIT, "test");
        final long b = arena.allocate(6, NativeMemory.Purpose.SPLIT, "test");
        final long c = arena.allocate(7, NativeMemory.Purpose.SPLIT, "test");
        assertEquals(0, page(a));
        assertEquals(5, page(b));
        assertEquals(11, page(c));
        arena.free(b, 6);
        assertEquals(5, page(arena.allocate(6, NativeMemory.Purpose.SPLIT, "test")), "the hole is taken again");
        assertEquals(18, page(arena.allocate(7, NativeMemory.Purpose.SPLIT, "test")));
        assertEquals(1, arena.chunkCount());
        assertEquals(64 - 25, arena.freePages());
        assertEquals(CHUNK, memory.offHeapBytes(), "the chunk is what the map holds");
    }

    @Test
    void aFreedBlockCoalescesWithBothNeighbours()
    {
        final long a = arena.allocate(5, NativeMemory.Purpose.SPLIT, "test");
        final long b = arena.allocate(5, NativeMemory.Purpose.SPLIT, "test");
        final long c = arena.allocate(5, NativeMemory.Purpose.SPLIT, "test");
        arena.allocate(49, NativeMemory.Purpose.SPLIT, "test"); // fill the chunk
        arena.free(a, 5);
        arena.free(c, 5);
        assertEquals(1, page(arena.allocate(12, NativeMemory.Purpose.SPLIT, "test")) / PageArena.CHUNK_PAGES,
            "two holes of 5 around a used block hold no 12: a new chunk");
        arena.free(b, 5);
        assertEquals(0, page(arena.allocate(15, NativeMemory.Purpose.SPLIT, "test")), "a, b and c are one run now");
        assertEquals(2, arena.chunkCount());
    }

    @Test
    void aNewChunkOnlyWhenNoRunFitsAndNeverARunAcrossTwoChunks()
    {
        final long[] blocks = new long[8];
        for (int i = 0; i < 8; i++)
        {
            blocks[i] = arena.allocate(8, NativeMemory.Purpose.SPLIT, "test");
        }
        assertEquals(1, arena.chunkCount());
        final long next = arena.allocate(8, NativeMemory.Purpose.SPLIT, "test");
        assertEquals(64, page(next), "the second chunk, right after the first in memory");
        arena.free(blocks[3], 8);
        assertEquals(page(blocks[3]), page(arena.allocate(8, NativeMemory.Purpose.SPLIT, "test")));
        assertEquals(2, arena.chunkCount());

        // Pages 56-63 (end of chunk 0) and 64-127 (all of chunk 1) are free and adjacent in memory; first fit across
        // the boundary would answer 56. Runs never cross chunks, so 12 pages go to chunk 1.
        arena.free(blocks[7], 8);
        arena.free(next, 8);
        assertEquals(64, page(arena.allocate(12, NativeMemory.Purpose.SPLIT, "test")));
        assertEquals(56, page(arena.allocate(8, NativeMemory.Purpose.SPLIT, "test")), "and 8 still fit at 56");
    }

    @Test
    void theOldestChunkIsFilledFirstWhereverTheAllocatorPutTheChunks()
    {
        raw.downwards = true;
        final long first = arena.allocate(60, NativeMemory.Purpose.SPLIT, "test");
        final long second = arena.allocate(60, NativeMemory.Purpose.SPLIT, "test");
        assertEquals(CHUNK, first - second, "the fake hands out the second chunk below the first");
        assertEquals(first + 60 * PAGE, arena.allocate(4, NativeMemory.Purpose.SPLIT, "test"),
            "the older chunk's free run, although the newer chunk lies lower in memory");
        arena.free(first, 60);
        arena.free(second, 60);
        assertEquals(first, arena.allocate(8, NativeMemory.Purpose.SPLIT, "test"), "freed blocks find their chunks");
        assertEquals(first + 8 * PAGE, arena.allocate(4, NativeMemory.Purpose.SPLIT, "test"), "the older chunk again");
        assertEquals(second, arena.allocate(64, NativeMemory.Purpose.SPLIT, "test"), "the newer chunk, whole");
        assertEquals(2, arena.chunkCount());
        assertThrows(IllegalStateException.class, () -> arena.free(second - PAGE, 1), "below every chunk");
    }

    @Test
    void aFailedChunkAllocationChangesNothing()
    {
        arena.allocate(60, NativeMemory.Purpose.SPLIT, "test");
        raw.fail = true;
        assertThrows(OutOfMemoryError.class, () -> arena.allocate(8, NativeMemory.Purpose.SPLIT, "test"));
        assertEquals(1, arena.chunkCount());
        assertEquals(4, arena.freePages());
        assertEquals(CHUNK, memory.offHeapBytes());
        raw.fail = false;
        assertEquals(60, page(arena.allocate(4, NativeMemory.Purpose.SPLIT, "test")));
    }

    @Test
    void foreignBlocksDoubleFreesAndBadSizesAreRefused()
    {
        final long a = arena.allocate(5, NativeMemory.Purpose.SPLIT, "test");
        assertThrows(IllegalStateException.class, () -> arena.free(BASE - PAGE, 5), "below every chunk");
        assertThrows(IllegalStateException.class, () -> arena.free(BASE + CHUNK, 5), "past every chunk");
        assertThrows(IllegalStateException.class, () -> arena.free(a + 8, 5), "not on a page");
        assertThrows(IllegalStateException.class, () -> arena.free(BASE + 62 * PAGE, 5), "past the chunk's end");
        arena.free(a, 5);
        assertThrows(IllegalStateException.class, () -> arena.free(a, 5), "freed twice");
        assertThrows(IllegalArgumentException.class, () -> arena.allocate(0, NativeMemory.Purpose.SPLIT, "test"));
        assertThrows(IllegalArgumentException.class, () -> arena.allocate(65, NativeMemory.Purpose.SPLIT, "test"));
        assertEquals(64, arena.freePages(), "nothing changed by the refused calls");
    }

    @Test
    void anAdoptedBlockServesAnyClassAndKeepsItsBounds()
    {
        final long own = BASE + 10 * CHUNK; // a block the map allocated alone, far from the arena's chunks
        arena.adopt(own, 8);
        assertEquals(8, arena.freePages());
        final long five = arena.allocate(5, NativeMemory.Purpose.SPLIT, "test");
        assertEquals(own, five, "the only free run");
        assertEquals(0, arena.chunkCount() - 1, "no chunk allocated");
        final long next = arena.allocate(5, NativeMemory.Purpose.SPLIT, "test");
        assertEquals(BASE, next, "3 pages left in the adopted block hold no 5: a new chunk");
        assertThrows(IllegalStateException.class, () -> arena.free(own + 5 * PAGE, 5), "past the adopted block");
        arena.free(five, 5);
        assertEquals(BASE + 5 * PAGE, arena.allocate(59, NativeMemory.Purpose.SPLIT, "test"), "the only run of 59");
        assertEquals(own, arena.allocate(8, NativeMemory.Purpose.SPLIT, "test"), "then the adopted block, whole again");
        assertThrows(IllegalStateException.class, () -> arena.adopt(own, 8), "already in");
        assertEquals(CHUNK, memory.offHeapBytes(), "only the chunk was allocated through the arena");
    }

    @Test
    void stepsTouchTheNewestChunksFreePagesOnlyThenStop()
    {
        try (AllocationGuard own = AllocationGuard.fromProperties(new Properties()))
        {
            final NativeMemory real = new NativeMemory(NativeMemory.OFF_HEAP, own, "PageArenaTest");
            final PageArena touching = new PageArena(real, PAGE);
            final long block = touching.allocate(5, NativeMemory.Purpose.SPLIT, "test");
            final long later = touching.allocate(3, NativeMemory.Purpose.SPLIT, "test"); // pages 5-7
            for (long at = later; at < later + 3 * PAGE; at += 8)
            {
                OffHeap.putLong(at, 0x5EED);
            }
            int steps = 0;
            while (touching.pendingWork())
            {
                touching.step();
                steps++;
            }
            assertEquals(64 - 5, steps, "one 4 KiB page per step from the end of the first block");
            for (long at = later; at < later + 3 * PAGE; at += 8)
            {
                assertEquals(0x5EED, OffHeap.getLong(at), "a page handed out is never touched");
            }
            touching.step(); // nothing left: harmless
            assertEquals(false, touching.pendingWork());
            assertEquals(block + 5 * PAGE, later);
            real.markClosedExplicitly();
            real.run();
        }
    }
}
