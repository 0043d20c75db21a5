package dev.docref.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With bounds checks on (as in every test run), a slot access checks its index against the block: every slot of the
 * block, guard slots included, may be read and written, and the first index past either end is refused.
 */
class SegmentBoundsCheckTest
{
    /** Fails if the check lets the slot just past the block through ({@code >} for {@code >=}). */
    @Test
    void everySlotOfTheBlockIsAccessibleAndTheFirstPastEitherEndIsRefused()
    {
        assertTrue(OffHeap.SHOULD_BOUNDS_CHECK, "tests run with bounds checks on");
        final int capacity = 16;
        final int slots = Segment.slotsFor(capacity);
        // One slot more than the block, so that a check that let the next slot through reads memory we own.
        final long address = OffHeap.allocate((long)(slots + 1) * Segment.SLOT_BYTES);
        try
        {
            final Segment segment = new Segment(address, capacity, 14, 0);
            for (int i = 0; i < slots; i++)
            {
                final int index = i;
                assertDoesNotThrow(() -> segment.storeAt(index, segment.hashAt(index) + 1), "slot " + index);
            }
            assertThrows(IndexOutOfBoundsException.class, () -> segment.hashAt(slots), "slot " + slots);
            assertThrows(IndexOutOfBoundsException.class, () -> segment.storedAt(slots));
            assertThrows(IndexOutOfBoundsException.class, () -> segment.storeAt(slots, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> segment.hashAt(-1));
        }
        finally
        {
            OffHeap.free(address);
        }
    }
}
