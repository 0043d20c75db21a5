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
    @ValueSource(strings = {"linear", "linear_combined", "linear_branchy", "linear_hybrid", "cuckoo", "fastutil"})
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
    }

    @ParameterizedTest
    @ValueSource(strings = {"linear", "linear_combined", "linear_branchy", "linear_hybrid", "cuckoo", "fastutil"})
    void benchmarkSetUpBuildsAndChecksTheTable(final String layout)
    {
        final ProbeLayoutBenchmark benchmark = new ProbeLayoutBenchmark();
        benchmark.layout = layout;
        benchmark.size = 50_000;
        benchmark.fill = 0.875;
        benchmark.fill();
        assertTrue(benchmark.getHit() >= 0);
        assertEquals(ProbeLayoutBenchmark.Table.MISSING, benchmark.getMiss());
    }

    @org.junit.jupiter.api.Test
    void anUnknownLayoutIsRefusedByName()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> ProbeLayoutBenchmark.Table.create("quadratic", 100, 1));
        assertTrue(ex.getMessage().contains("'quadratic'"), ex.getMessage());
    }
}
