package dev.docref.core;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The lookup window's branch-free comparison agrees with {@code ==} on every kind of pair. */
class SegmentEqualMaskTest
{
    @Test
    void equalMaskIsAllOnesExactlyWhenTheWordsAreEqual()
    {
        final long[] edges = {0, 1, -1, 2, -2, Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE + 1, 1L << 32, 1L << 62};
        for (final long a : edges)
        {
            for (final long b : edges)
            {
                assertEquals(a == b ? -1L : 0L, Segment.equalMask(a, b), a + " vs " + b);
            }
        }
        final SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 1_000_000; i++)
        {
            final long a = random.nextLong();
            // Half the pairs differ in a single bit, the hardest case for a mask built from the xor.
            final long b = (i & 1) == 0 ? a : a ^ (1L << random.nextInt(64));
            assertEquals(a == b ? -1L : 0L, Segment.equalMask(a, b), a + " vs " + b);
        }
    }
}
