package dev.docref.bench;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorstLatenciesTest
{
    @Test
    void keepsTheLargestLatenciesLargestFirstWithTheirIndexAndEndTime()
    {
        final SplittableRandom random = new SplittableRandom(3);
        final long[] offered = new long[10_000];
        // Uptime 2,000 ms when nanoTime read 1,000,000: an operation ending at nanoTime t ended at uptime
        // 2e9 + (t - 1e6) ns.
        final WorstLatencies worst = new WorstLatencies(5, 2_000, 1_000_000);
        for (int i = 0; i < offered.length; i++)
        {
            offered[i] = random.nextLong(1, 1_000_000);
            worst.offer(offered[i], i, 1_000_000 + 10L * i);
        }
        final long[] sorted = offered.clone();
        Arrays.sort(sorted);
        assertEquals(5, worst.size());
        for (int rank = 0; rank < 5; rank++)
        {
            final long latency = worst.latency(rank);
            assertEquals(sorted[sorted.length - 1 - rank], latency, "rank " + rank);
            final int index = (int)worst.index(rank);
            assertEquals(offered[index], latency, "the index is the operation's own");
            assertEquals(2_000_000_000L + 10L * index, worst.endedAtUptimeNanos(rank));
        }
    }

    @Test
    void fewerOffersThanCapacityAreAllKeptAndEncodedForTheChildLine()
    {
        final WorstLatencies worst = new WorstLatencies(5, 0, 0);
        worst.offer(1_500_000, 7, 3_000_000_000L);
        worst.offer(70_975_000, 12_345_678, 45_678_000_000L);
        assertEquals(2, worst.size());
        final String encoded = worst.encode();
        assertEquals("70975000@45678000000#12345678;1500000@3000000000#7", encoded);
        assertTrue(!encoded.contains(" ") && !encoded.contains("="), "fits the child's key=value line");
        assertEquals("70.975 ms at 45.678 s (put #12,345,678), 1.500 ms at 3.000 s (put #7)",
            WorstLatencies.describe(encoded, "put"));
        assertEquals("45678000000;3000000000", worst.encodeEndNanoTimes(), "the raw clock, largest first");
        assertEquals("70.975 ms at 45.678 s (put #12,345,678; machine stalled 11.800 ms of it), " +
            "1.500 ms at 3.000 s (put #7)", WorstLatencies.describe(encoded, "put",
            new String[] {"machine stalled 11.800 ms of it", ""}));
        assertEquals("0;0", worst.encodeWaitedForCpu(), "offered without scheduler figures");

        // With the writer's scheduler figures: they travel with their latency as it moves down the ranks.
        final WorstLatencies timed = new WorstLatencies(2, 0, 0);
        timed.offer(2_000_000, 1, 10, 500_000, 0);
        timed.offer(5_000_000, 2, 20, 4_000_000, 250_000);
        timed.offer(1_000_000, 3, 30, 9, 9);
        assertEquals("4000000;500000", timed.encodeWaitedForCpu());
        assertEquals("250000;0", timed.encodeBlocked());
        assertEquals("20;10", timed.encodeEndNanoTimes());
        assertTrue(timed.wouldKeep(2_000_001) && !timed.wouldKeep(2_000_000), "only latencies above the smallest kept");
    }

    @Test
    void rejectsANonPositiveCapacityAndAMalformedEncoding()
    {
        assertThrows(IllegalArgumentException.class, () -> new WorstLatencies(0, 0, 0));
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> WorstLatencies.describe("12#3@4", "put"));
        assertTrue(ex.getMessage().contains("12#3@4"), ex.getMessage());
    }
}
