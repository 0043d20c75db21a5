package dev.docref.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.docref.guard.ResizeForecast;

import org.junit.jupiter.api.Test;

/** What the demo's maps tell the guard about their next resize. */
class FeedIndexTest
{
    /** Entries that fill a 2^19-slot table of both doubling maps: the next insert resizes them to 2^20 slots. */
    private static final int FULL_AT_2_TO_19 = 393_216;

    @Test
    void fastutilsForecastIsItsResizeWholeInTwoArrays()
    {
        try (FeedIndex fastutil = FeedIndex.Kind.FASTUTIL.create(0))
        {
            fill(fastutil);
            final ResizeForecast forecast = fastutil.forecast();
            assertEquals(1, forecast.insertsUntilResize());
            // long[] key and long[] value of 2^20 + 1 elements each, with a 16-byte array header.
            final long oneArray = 16 + 8L * ((1 << 20) + 1);
            assertEquals(2 * oneArray, forecast.nextResizeBytes(), "what checkResize holds to the limit: both arrays");
            assertEquals(2, forecast.nextResizeAllocations());
            assertEquals(oneArray, forecast.nextResizeLargestAllocationBytes());
        }
    }

    @Test
    void hashMapsForecastIsItsOneNewTable()
    {
        try (FeedIndex hashMap = FeedIndex.Kind.HASHMAP.create(0))
        {
            fill(hashMap);
            final ResizeForecast forecast = hashMap.forecast();
            assertEquals(1, forecast.insertsUntilResize());
            assertEquals(16 + (ResizeForecast.compressedOops() ? 4L : 8L) * (1 << 20), forecast.nextResizeBytes());
            assertEquals(1, forecast.nextResizeAllocations());
            assertEquals(forecast.nextResizeBytes(), forecast.nextResizeLargestAllocationBytes());
        }
    }

    @Test
    void docrefHasNoWholeMapResize()
    {
        try (FeedIndex docref = FeedIndex.Kind.DOCREF.create(0))
        {
            fill(docref);
            assertNull(docref.forecast());
        }
    }

    private static void fill(final FeedIndex index)
    {
        for (int i = 0; i < FULL_AT_2_TO_19; i++)
        {
            index.put(QuickStart.primaryKey(i), i);
        }
        assertEquals(FULL_AT_2_TO_19, index.size());
    }
}
