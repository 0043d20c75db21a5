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

    /**
     * design.md's map-wide spill bounds (Growth, and {@link PresizedDocRefMap#withCapacity}'s javadoc): for a pre-sized
     * map at the defaults, {@link PresizedDocRefMap#spillChance} summed over its segments and over each segment's
     * binomial count of the {@code n} keys. Highest just below a directory doubling, where every segment is full size:
     * the largest {@code n} each depth holds is found by the map's own {@code depthFor}.
     */
    @Test
    void mapSpillBounds()
    {
        assertEquals(3.5e-7, mapSpillBound(7_105), 0.05e-7);
        assertEquals(1.7e-6, mapSpillBound(1_000_000), 0.05e-6);
        assertEquals(5.6e-5, mapSpillBound(58_720_256), 0.05e-5);

        final long belowDepth9 = largestEntriesAtDepth(8);
        assertEquals(1.8e6, belowDepth9, 0.05e6);
        assertEquals(6.3e-5, mapSpillBound(belowDepth9), 0.05e-5);
        final long belowDepth11 = largestEntriesAtDepth(10);
        assertEquals(7.2e6, belowDepth11, 0.05e6);
        assertEquals(2.5e-4, mapSpillBound(belowDepth11), 0.05e-4);
        final long belowDepth15 = largestEntriesAtDepth(14);
        assertEquals(115e6, belowDepth15, 0.5e6);
        assertEquals(4.0e-3, mapSpillBound(belowDepth15), 0.05e-3);
    }

    private static long largestEntriesAtDepth(final int depth)
    {
        final int maxCapacity = PresizedDocRefMap.maxCapacityFor(PresizedDocRefMap.DEFAULT_SEGMENT_BYTES);
        long low = 1; // at depth or below
        long high = 1L << 40; // above depth
        while (high - low > 1)
        {
            final long mid = (low + high) >>> 1;
            if (PresizedDocRefMap.depthFor(mid, maxCapacity, LOAD_FACTOR) <= depth)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }
        assertEquals(depth, PresizedDocRefMap.depthFor(low, maxCapacity, LOAD_FACTOR));
        return low;
    }

    /**
     * The chance bound that some segment of {@code Presized.of(n)} spills before {@code n} random keys: the sum, over
     * the segments, of the segment's expected {@code spillChance} for its count, which is binomial with {@code n}
     * trials and chance {@code 1 / segments} (the weights by the ratio of neighbouring terms, over 9 standard
     * deviations each side, normalised; {@code spillChance} every 8 counts, log-linear between, which moves the
     * bounds below by under 0.01% against computing it at every count).
     */
    private static double mapSpillBound(final long n)
    {
        final Presized map = Presized.of(n);
        if (map.segments() == 1)
        {
            return PresizedDocRefMap.spillChance((int)map.homeSlots(), n);
        }
        final double p = 1.0 / map.segments();
        final double mean = n * p;
        final double sd = Math.sqrt(mean * (1 - p));
        final int mode = (int)Math.floor((n + 1) * p);
        final int low = (int)Math.max(0, Math.floor(mean - 9 * sd));
        final int high = (int)Math.min(map.homeSlots(), Math.ceil(mean + 9 * sd));
        final double[] weight = new double[high - low + 1];
        weight[mode - low] = 1;
        for (int c = mode; c < high; c++)
        {
            weight[c + 1 - low] = weight[c - low] * (n - c) / (c + 1) * p / (1 - p);
        }
        for (int c = mode; c > low; c--)
        {
            weight[c - 1 - low] = weight[c - low] * c / (n - c + 1) * (1 - p) / p;
        }
        final int step = 8; // spillChance is computed every 8 counts and interpolated between, on a log scale
        final double[] chance = new double[high - low + 1];
        for (int c = low; c <= high; c += step)
        {
            chance[c - low] = PresizedDocRefMap.spillChance((int)map.homeSlots(), c);
        }
        chance[high - low] = PresizedDocRefMap.spillChance((int)map.homeSlots(), high);
        double total = 0;
        double expected = 0;
        for (int c = low; c <= high; c++)
        {
            final int before = low + (c - low) / step * step;
            final int after = Math.min(high, before + step);
            final double x = after == before ? 0 : (c - before) / (double)(after - before);
            final double a = chance[before - low];
            final double b = chance[after - low];
            final double at = a > 0 && b > 0 ? Math.exp((1 - x) * Math.log(a) + x * Math.log(b)) : (1 - x) * a + x * b;
            total += weight[c - low];
            expected += weight[c - low] * at;
        }
        return map.segments() * expected / total;
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
