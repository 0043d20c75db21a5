package dev.docref.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FillProfileTest
{
    @Test
    void profilesEachTenthOfAFillAndLeavesTheMapFull()
    {
        final long[] keys = Keys.shuffled(Keys.distinct(10_000, Keys.KEY_SEED), Keys.SHUFFLE_SEED);
        try (LongMap map = LongMap.Kind.PRESIZED_ST.create(keys.length))
        {
            final double[] tenths = FillProfile.profile(map, keys, 10);
            assertEquals(10, tenths.length);
            for (final double nanos : tenths)
            {
                assertTrue(nanos > 0 && Double.isFinite(nanos), "ns per put " + nanos);
            }
            assertEquals(keys.length, map.size());
            assertThrows(IllegalStateException.class, () -> FillProfile.profile(map, keys, 10),
                "a map that is not empty is refused");
        }
    }

    @Test
    void tableHasOneRowPerTenthWithTheMedianOfTheFills()
    {
        final FillProfile.Options options = FillProfile.Options.parse(new String[] {"--map", "fastutil",
            "--entries", "1000"});
        final double[][] fills = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {3, 2, 3, 4, 5, 6, 7, 8, 9, 30},
            {2, 2, 3, 4, 5, 6, 7, 8, 9, 20}};
        final String table = FillProfile.table(options, fills);
        assertTrue(table.contains("| 0%-10% | 2.00 | 1.00 | 3.00 | 2.00 |"), table);
        assertTrue(table.contains("| 90%-100% | 20.0 | 10.0 | 30.0 | 20.0 |"), table);
        assertTrue(table.startsWith("fastutil Long2LongOpenHashMap pre-sized for 1,000 entries"), table);
        assertFalse(table.contains("bounds checks"), "fastutil has none: " + table);
    }

    @Test
    void aDocrefTableSaysWhetherItsBoundsChecksWereOn()
    {
        // Tests run with docref's bounds checks on (-Ddocref.disable.bounds.checks=false).
        final FillProfile.Options options = FillProfile.Options.parse(new String[] {"--map", "presized_st",
            "--entries", "1000"});
        final double[][] fills = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}};
        final String table = FillProfile.table(options, fills);
        assertTrue(table.contains("bounds checks ON (add -Ddocref.disable.bounds.checks=true)"), table);
    }

    @Test
    void badOptionsNameTheValue()
    {
        final IllegalArgumentException entries = assertThrows(IllegalArgumentException.class,
            () -> FillProfile.Options.parse(new String[] {"--entries", "0"}));
        assertTrue(entries.getMessage().contains("'0'"), entries.getMessage());
        final IllegalArgumentException map = assertThrows(IllegalArgumentException.class,
            () -> FillProfile.Options.parse(new String[] {"--map", "trove"}));
        assertTrue(map.getMessage().contains("'trove'"), map.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FillProfile.Options.parse(new String[] {"--fills"}));
    }

    @Test
    void aLoadFactorForAMapThatTakesNoneIsRefusedBeforeTheRun()
    {
        // It threw from the map's constructor in main, after the keys were made, as a stack trace.
        for (final String[] args : new String[][] {{"--map", "eclipse", "--load-factor", "0.875"},
            {"--load-factor", "0.875", "--map", "eclipse"}})
        {
            final IllegalArgumentException ex =
                assertThrows(IllegalArgumentException.class, () -> FillProfile.Options.parse(args));
            assertTrue(ex.getMessage().startsWith("--load-factor 0.875 cannot apply to --map eclipse") &&
                ex.getMessage().contains("takes no load factor"), ex.getMessage());
        }
        assertEquals(LongMap.Kind.ECLIPSE, FillProfile.Options.parse(new String[] {"--map", "eclipse"}).map);
        assertEquals("0.875",
            FillProfile.Options.parse(new String[] {"--map", "fastutil", "--load-factor", "0.875"}).loadFactor);
    }

    @Test
    void aBadLoadFactorIsExplainedWithThisToolsFlagNotJmhSyntax()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> FillProfile.Options.parse(new String[] {"--load-factor", "2"}));
        assertTrue(ex.getMessage().startsWith("--load-factor must be") && ex.getMessage().contains("'2'") &&
            ex.getMessage().contains("e.g. --load-factor 0.875"), ex.getMessage());
        assertFalse(ex.getMessage().contains("-p "), ex.getMessage());
    }

    @Test
    void theUsageListsEveryMap()
    {
        for (final LongMap.Kind kind : LongMap.Kind.values())
        {
            assertTrue(FillProfile.USAGE.contains(kind.id()), kind + " in\n" + FillProfile.USAGE);
            assertEquals(kind, FillProfile.Options.parse(new String[] {"--map", kind.id()}).map);
        }
    }
}
