package dev.docref.core;

import java.util.Properties;

import dev.docref.guard.AllocationGuard;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link BlockReserve} of a thread-safe map never frees a block a split retired while the map is open (a reader may
 * still be reading it), so it keeps every one for reuse, beyond {@link BlockReserve#READY_BLOCKS} if need be. The
 * reserve is full when a split retires its parent if the preparer thread added blocks between the split taking its
 * two and retiring the parent; here the reserve is filled on puts' steps, which is deterministic, and then retires.
 */
class BlockReserveReuseTest
{
    private static final int CAPACITY = 16;
    private static final long BLOCK = Segment.bytesFor(CAPACITY);

    private final AllocationGuard guard = AllocationGuard.fromProperties(new Properties());
    private final NativeMemory memory = new NativeMemory(NativeMemory.OFF_HEAP, guard, "BlockReserveReuseTest");

    @AfterEach
    void close()
    {
        memory.markClosedExplicitly();
        memory.run();
        guard.close();
    }

    /**
     * Fails if a full reserve sets a retired block aside until close instead of keeping it for reuse: the next split
     * then allocates a block while one that could serve it lies unused, and the map holds ever more memory.
     */
    @Test
    void aFullReserveOfAThreadSafeMapKeepsARetiredBlockForTheNextSplit()
    {
        final BlockReserve reserve = new BlockReserve(memory, true, false);
        reserve.prepareFor(CAPACITY);
        while (reserve.pendingWork() > 0)
        {
            reserve.step();
        }
        assertEquals(BlockReserve.READY_BLOCKS, reserve.readyCount(), "setup: the reserve is full");
        final long retired = memory.allocate(BLOCK, true, NativeMemory.Purpose.SPLIT, "test");
        reserve.retire(retired, CAPACITY);
        assertEquals(BlockReserve.READY_BLOCKS + 1, reserve.readyCount(), "the retired block is kept for reuse");
        assertEquals(0, reserve.retiredElsewhere(), "and not set aside");

        final long bytes = memory.offHeapBytes();
        boolean reused = false;
        for (int i = 0; i <= BlockReserve.READY_BLOCKS; i++)
        {
            reused |= reserve.take(CAPACITY, false, NativeMemory.Purpose.SPLIT, "test") == retired;
        }
        assertEquals(bytes, memory.offHeapBytes(), "the next splits' blocks all came from the reserve");
        assertTrue(reused, "the retired block was one of them");
    }
}
