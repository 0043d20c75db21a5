package dev.docref.bench;

import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The prototype tables of {@link ProbeLayoutBenchmark} are real maps: what they measure is a correct lookup. */
class ProbeLayoutTest
{
    @ParameterizedTest
    @ValueSource(strings = {"linear", "linear_combined", "linear_branchy", "linear_hybrid", "linear_segmented",
        "linear_paged", "linear_stamped", "linear_direct", "linear_strided", "map_read",
        "map_read_unvalidated", "map_read_no_fence", "map_read_fence_only", "map_read_split", "map_read_split48",
        "map_read_split64", "docref", "docref_st", "docref_seeded", "split", "split8", "split_branchy", "cuckoo",
        "fastutil"})
    void aTableFilledToSevenEighthsFindsEveryKeyAndNoAbsentOne(final String layout)
    {
        final int n = 200_000;
        final long[] keys = Keys.distinct(n, 3);
        final ProbeLayoutBenchmark.Table table =
            ProbeLayoutBenchmark.Table.create(layout, (long)Math.ceil(n / 0.875), 99);
        for (int i = 0; i < n; i++)
        {
            table.put(keys[i], i);
        }
        for (int i = 0; i < n; i += 2)
        {
            table.put(keys[i], 2L * i + 1); // overwrite half: no duplicate slot may be created
        }
        for (int i = 0; i < n; i++)
        {
            assertEquals(i % 2 == 0 ? 2L * i + 1 : i, table.get(keys[i]), layout + " key #" + i);
        }
        final java.util.Set<Long> inserted = new java.util.HashSet<>();
        for (final long key : keys)
        {
            inserted.add(key);
        }
        final SplittableRandom random = new SplittableRandom(12345);
        for (int i = 0; i < 100_000; i++)
        {
            final long key = i < 3 ? new long[] {0L, -1L, Long.MIN_VALUE}[i] : random.nextLong();
            if (!inserted.contains(key))
            {
                assertEquals(ProbeLayoutBenchmark.Table.MISSING, table.get(key), layout + " found absent key " + key);
            }
        }
        table.free();
    }

    @ParameterizedTest
    @ValueSource(strings = {"linear", "linear_combined", "linear_branchy", "linear_hybrid", "linear_segmented",
        "linear_paged", "linear_stamped", "linear_direct", "linear_strided", "map_read",
        "map_read_unvalidated", "map_read_no_fence", "map_read_fence_only", "map_read_split", "map_read_split48",
        "map_read_split64", "docref", "docref_st", "docref_seeded", "split", "split8", "split_branchy", "cuckoo",
        "fastutil"})
    void benchmarkSetUpBuildsAndChecksTheTable(final String layout)
    {
        final ProbeLayoutBenchmark benchmark = new ProbeLayoutBenchmark();
        benchmark.layout = layout;
        benchmark.size = 50_000;
        benchmark.fill = 0.875;
        benchmark.fill();
        assertTrue(benchmark.getHit() >= 0);
        assertEquals(ProbeLayoutBenchmark.Table.MISSING, benchmark.getMiss());
        benchmark.free();
    }

    @org.junit.jupiter.api.Test
    void aLayoutWithGcAppendedIsTheSameTableCollectedAfterTheFill()
    {
        final ProbeLayoutBenchmark benchmark = new ProbeLayoutBenchmark();
        benchmark.layout = "docref_gc";
        benchmark.size = 50_000;
        benchmark.fill = 0.84;
        benchmark.fill();
        assertTrue(benchmark.getHit() >= 0);
        assertEquals(ProbeLayoutBenchmark.Table.MISSING, benchmark.getMiss());
        benchmark.free();
    }

    @org.junit.jupiter.api.Test
    void anUnknownLayoutIsRefusedByName()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> ProbeLayoutBenchmark.Table.create("quadratic", 100, 1));
        assertTrue(ex.getMessage().contains("'quadratic'"), ex.getMessage());
    }

    @org.junit.jupiter.api.Test
    void thePagedTableSpreadsKeysEvenlyOverSegmentsAndPages()
    {
        // What linear_paged claims to measure: 8 pages per segment, each holding its share of the keys, so a page's
        // fill is the table's fill and only the extra hop differs from linear_segmented.
        final int n = 400_000;
        final long slots = (long)Math.ceil(n / 0.875);
        final ProbeLayoutBenchmark.PagedLinear table = new ProbeLayoutBenchmark.PagedLinear(slots, 99);
        final ProbeLayoutBenchmark.SegmentedLinear segmented = new ProbeLayoutBenchmark.SegmentedLinear(slots, 99);
        assertEquals(5, table.depth, "32 segments of at least 8,120 home slots");
        assertEquals(segmented.depth, table.depth);
        assertEquals((segmented.capacity + 7) / 8, table.capacity);
        assertEquals(0, (table.page(0L) - ProbeLayoutBenchmark.Table.ALIGNED_START) % 8, "pages start on a line");
        final java.util.Map<Integer, Integer> perPage = new java.util.HashMap<>();
        for (final long key : Keys.distinct(n, 3))
        {
            perPage.merge(table.page(table.mix(key)), 1, Integer::sum);
        }
        assertEquals(32 * 8, perPage.size(), "every page used");
        final double mean = (double)n / perPage.size();
        for (final int count : perPage.values())
        {
            assertTrue(Math.abs(count - mean) < 0.1 * mean, () -> "page holds " + count + ", mean " + mean);
        }
    }
}
