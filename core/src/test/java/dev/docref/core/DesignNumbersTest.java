package dev.docref.core;

import java.util.SplittableRandom;

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

    /**
     * A map in one segment under 512 home slots, whose tail is shorter than 64 slots, gets the slots that keep the
     * chance of a spill before {@code n} entries at 10^-12 (design.md, Growth); from 512 slots on, the load factor's.
     */
    @Test
    void oneSegmentMapsWithShortTailsAreSizedNotToSpill()
    {
        assertEquals(0.0216, PresizedDocRefMap.spillChance(64, 56), 0.0005);
        assertEquals(3.5e-7, PresizedDocRefMap.spillChance(8120, 7105), 0.05e-7);
        assertEquals(6.6e-3, PresizedDocRefMap.spillChance(8120, 7612), 0.05e-3);
        assertEquals(120, PresizedDocRefMap.slotsFor(56, 1, LOAD_FACTOR));
        assertEquals(16, PresizedDocRefMap.slotsFor(10, 1, LOAD_FACTOR));
        assertEquals(168, PresizedDocRefMap.slotsFor(100, 1, LOAD_FACTOR));
        assertEquals(267, PresizedDocRefMap.slotsFor(200, 1, LOAD_FACTOR));
        assertEquals(511, PresizedDocRefMap.slotsFor(447, 1, LOAD_FACTOR));
        assertEquals(512, PresizedDocRefMap.slotsFor(448, 1, LOAD_FACTOR));
        assertEquals(8115, PresizedDocRefMap.slotsFor(7100, 1, LOAD_FACTOR));
        for (long n = 0; n < 600; n++)
        {
            final long slots = PresizedDocRefMap.slotsFor(n, 1, LOAD_FACTOR);
            if (slots < 512)
            {
                final long entries = n;
                assertTrue(PresizedDocRefMap.spillChance((int)slots, n) <= PresizedDocRefMap.MAX_SPILL_CHANCE,
                    () -> entries + " entries in " + slots + " slots");
            }
        }
    }

    @Test
    void largestAddressableMap()
    {
        final int maxCapacity = PresizedDocRefMap.maxCapacityFor(PresizedDocRefMap.DEFAULT_SEGMENT_BYTES);
        assertEquals(7_535_092_874_165L, PresizedDocRefMap.maxExpectedEntries(maxCapacity, LOAD_FACTOR));
    }
    /**
     * design.md's "26-36% of hits fall past the 4-slot window" at the 84-87% fill (so 64% settled in it at 7/8, 74%
     * at 0.84, as design.md and {@code Segment.find} say): the share of entries sitting
     * {@link Segment#FIRST_WINDOW} or more slots past their home, in a default-size segment filled with random mixed
     * keys by the segment's own insert, 20 fills at each end of that range.
     */
    @Test
    void shareOfHitsPastTheFirstWindow()
    {
        final int capacity = PresizedDocRefMap.maxCapacityFor(PresizedDocRefMap.DEFAULT_SEGMENT_BYTES);
        assertEquals(0.26, shareBeyondFirstWindow(capacity, (int)(0.84 * capacity), 20), 0.005);
        assertEquals(0.36, shareBeyondFirstWindow(capacity, (int)(0.875 * capacity), 20), 0.005);
    }

    private static double shareBeyondFirstWindow(final int capacity, final int entries, final int fills)
    {
        final SplittableRandom random = new SplittableRandom(42);
        final long address = OffHeap.allocate(Segment.bytesFor(capacity));
        long beyond = 0;
        long total = 0;
        try
        {
            for (int fill = 0; fill < fills; fill++)
            {
                OffHeap.zero(address, Segment.bytesFor(capacity));
                final Segment segment = new Segment(address, capacity, capacity, 0);
                while (segment.count < entries)
                {
                    segment.put(random.nextLong(), 1, false); // a spill past the tail changes nothing; draw again
                }
                for (int index = 0; index < segment.limit; index++)
                {
                    if (segment.storedAt(index) != 0)
                    {
                        total++;
                        if (index - Segment.home(segment.hashAt(index), capacity) >= Segment.FIRST_WINDOW)
                        {
                            beyond++;
                        }
                    }
                }
            }
        }
        finally
        {
            OffHeap.free(address);
        }
        return beyond / (double)total;
    }
}
