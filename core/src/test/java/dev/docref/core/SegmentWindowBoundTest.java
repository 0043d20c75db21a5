package dev.docref.core;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What lets {@code Segment.find} read its first window without a bounds check: for every capacity a segment may
 * have and every mixed key, the window of {@link Segment#FIRST_WINDOW} slots from the key's home lies inside the
 * block, and a capacity outside that range cannot be constructed.
 */
class SegmentWindowBoundTest
{
    private static final int LARGEST = Integer.MAX_VALUE - 64 - Segment.GUARD;

    @Test
    void everyHomesWindowLiesInsideTheBlock()
    {
        final SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 200_000; i++)
        {
            final int capacity = i < 70_000 ? i : random.nextInt(LARGEST) + 1;
            assertWindowInside(capacity, 0xFFFF_FFFFL | random.nextLong() << 32); // the largest home
            assertWindowInside(capacity, random.nextLong() & ~0xFFFF_FFFFL);      // home 0
            assertWindowInside(capacity, random.nextLong());
        }
        assertWindowInside(LARGEST, -1L);
    }

    @Test
    void aCapacityThatCouldPutAWindowOutsideTheBlockIsRefused()
    {
        assertThrows(IllegalStateException.class, () -> new Segment(0, -1, 0, 0));
        assertThrows(IllegalStateException.class, () -> new Segment(0, LARGEST + 1, 0, 0));
        assertThrows(IllegalStateException.class, () -> new Segment(0, Integer.MAX_VALUE, 0, 0));
    }

    private static void assertWindowInside(final int capacity, final long h)
    {
        final int home = Segment.home(h, capacity);
        final long lastSlot = (long)home + Segment.FIRST_WINDOW - 1;
        assertTrue(home >= 0 && (capacity == 0 ? home == 0 : home < capacity),
            "home " + home + " of " + Long.toHexString(h) + " outside capacity " + capacity);
        assertTrue(lastSlot < Segment.slotsFor(capacity),
            "window ending at slot " + lastSlot + " outside a block of " + Segment.slotsFor(capacity) +
                " slots (capacity " + capacity + ")");
    }
}
