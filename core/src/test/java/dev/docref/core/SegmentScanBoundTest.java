package dev.docref.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stale reader may read a block that the map's page arena has meanwhile handed to a segment of another size, so
 * that the slots past this segment's tail, its guard slots included, hold anything. Its scan must stop at the
 * segment's limit: with bounds checks on (as in tests), a read past the block would throw.
 */
class SegmentScanBoundTest
{
    @Test
    void aScanStopsAtTheLimitWhateverTheBlockHolds()
    {
        final int capacity = 16;
        final long bytes = Segment.bytesFor(capacity);
        final long address = OffHeap.allocate(bytes);
        try
        {
            final Segment segment = new Segment(address, capacity, 14, 0);
            // Every slot, guard slots included, holds an entry homed at slot 0: a run that never ends in the block.
            final long homedAtZero = 1L << 32; // low 32 bits 0: home 0 at any capacity
            for (long at = address; at < address + bytes; at += Segment.SLOT_BYTES)
            {
                OffHeap.putLong(at, homedAtZero);
                OffHeap.putLong(at + 8, 7);
            }
            final long absent = 3L << 32; // also homed at 0, in no slot
            assertEquals(0, segment.find(absent), "absent, found without reading past the limit");
            assertEquals(7, segment.find(homedAtZero));
            assertTrue(segment.limit + Segment.GUARD == Segment.slotsFor(capacity));
        }
        finally
        {
            OffHeap.free(address);
        }
    }
}
