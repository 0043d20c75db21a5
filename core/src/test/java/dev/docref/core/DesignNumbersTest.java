package dev.docref.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The worked numbers quoted in {@code src/site/markdown/design.md}, README and javadoc, computed by the same sizing
 * code the map uses, so the docs cannot drift from the code silently.
 */
class DesignNumbersTest
{
    private static final double LOAD_FACTOR = PresizedDocRefMap.DEFAULT_LOAD_FACTOR;

    @Test
    void defaultSegmentHolds7105EntriesIn128KiB()
    {
        final int capacity = PresizedDocRefMap.maxCapacityFor(PresizedDocRefMap.DEFAULT_SEGMENT_BYTES);
        assertEquals(128 * 1024, PresizedDocRefMap.DEFAULT_SEGMENT_BYTES);
        assertEquals(8120, capacity);
        assertEquals(64, Segment.tailFor(capacity));
        assertEquals(8, Segment.GUARD);
        assertEquals(131_072, Segment.bytesFor(capacity));
        assertEquals(7105, PresizedDocRefMap.maxEntriesFor(capacity, LOAD_FACTOR));
    }

    /** The shape {@code withCapacity(n)} allocates at the defaults, from the map's own sizing code. */
    record Presized(int depth, int segments, long homeSlots, long blockBytes, long totalBytes)
    {
        static Presized of(final long n)
        {
            final int maxCapacity = PresizedDocRefMap.maxCapacityFor(PresizedDocRefMap.DEFAULT_SEGMENT_BYTES);
            final int depth = PresizedDocRefMap.depthFor(n, maxCapacity, LOAD_FACTOR);
            final long homeSlots = PresizedDocRefMap.slotsFor(n, 1 << depth, LOAD_FACTOR);
            final long blockBytes = Segment.bytesFor((int)homeSlots);
            return new Presized(depth, 1 << depth, homeSlots, blockBytes, (1L << depth) * blockBytes);
        }
    }

    @Test
    void presizedForTheSeedIncident()
    {
        final Presized map = Presized.of(58_720_256L);
        assertEquals(14, map.depth());
        assertEquals(16_384, map.segments());
        assertEquals(4280, map.homeSlots());
        assertEquals(69_632, map.blockBytes());
        assertEquals(1_140_850_688L, map.totalBytes());
        assertEquals(19.43, map.totalBytes() / 58_720_256.0, 0.005);
    }

    @Test
    void presizedBillion()
    {
        final Presized map = Presized.of(1_000_000_000L);
        assertEquals(18, map.depth());
        assertEquals(4540, map.homeSlots());
        assertEquals(73_792, map.blockBytes());
        assertEquals(19_344_130_048L, map.totalBytes());
        assertTrue(map.blockBytes() <= PresizedDocRefMap.DEFAULT_SEGMENT_BYTES);
    }

    @Test
    void presizedTenMillion()
    {
        final Presized map = Presized.of(10_000_000L);
        assertEquals(11, map.depth());
        assertEquals(190_414_848L, map.totalBytes());
    }

    @Test
    void largestAddressableMap()
    {
        final int maxCapacity = PresizedDocRefMap.maxCapacityFor(PresizedDocRefMap.DEFAULT_SEGMENT_BYTES);
        assertEquals(7_535_092_874_165L, PresizedDocRefMap.maxExpectedEntries(maxCapacity, LOAD_FACTOR));
    }
}
