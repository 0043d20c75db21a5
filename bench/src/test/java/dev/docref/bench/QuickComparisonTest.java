package dev.docref.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QuickComparisonTest
{
    private static final List<QuickComparison.Row> ROWS = List.of(
        new QuickComparison.Row("GetHitBenchmark", "fastutil", 1_000_000, 50, 51, 2, "ns/op", 5, 0),
        new QuickComparison.Row("GetHitBenchmark", "presized", 1_000_000, 40, 41, 1, "ns/op", 5, 0),
        new QuickComparison.Row("GetHitBenchmark", "presized_st", 1_000_000, 32, 33, 1, "ns/op", 5, 0),
        new QuickComparison.Row("IterateBenchmark", "presized", 1_000_000, 3, 3, 0.1, "ms/op", 5, 0.5),
        new QuickComparison.Row("IterateBenchmark", "fastutil", 1_000_000, 6, 6, 0.1, "ms/op", 5, 48),
        new QuickComparison.Row("PutPresizedBenchmark", "presized", 1_000_000, 65, 66, 1, "ms/op", 5, 16),
        new QuickComparison.Row("PutPresizedBenchmark", "fastutil", 1_000_000, 26, 26, 1, "ms/op", 5, 0),
        new QuickComparison.Row("RemoveBenchmark", "presized", 1_000_000, 50, 50, 1, "ms/op", 5, 0),
        new QuickComparison.Row("RemoveBenchmark", "fastutil", 1_000_000, 20, 20, 1, "ms/op", 5, 0),
        new QuickComparison.Row("ReaderScalingBenchmark", "presized", 1_000_000, 30, 30, 1, "ops/us", 5, 0, 1),
        new QuickComparison.Row("ReaderScalingBenchmark", "presized", 1_000_000, 54, 55, 2, "ops/us", 5, 0, 2),
        new QuickComparison.Row("ReaderScalingBenchmark", "fastutil", 1_000_000, 40, 40, 1, "ops/us", 5, 0, 1));

    @Test
    void aSecondRunOnTheSameDayWritesANewFileRatherThanReplacingTheFirst(@TempDir final Path dir) throws IOException
    {
        final LocalDate day = LocalDate.of(2026, 11, 30);
        assertEquals(dir.resolve("2026-11-30.md"), QuickComparison.unusedResultsFile(dir, day));
        Files.writeString(dir.resolve("2026-11-30.md"), "first run");
        assertEquals(dir.resolve("2026-11-30-2.md"), QuickComparison.unusedResultsFile(dir, day));
        Files.writeString(dir.resolve("2026-11-30-2.md"), "second run");
        assertEquals(dir.resolve("2026-11-30-3.md"), QuickComparison.unusedResultsFile(dir, day));
        assertEquals(dir.resolve("2026-12-01.md"), QuickComparison.unusedResultsFile(dir, day.plusDays(1)));
    }

    @Test
    void theHeadlinesMachineNamesTheCpuModelBecauseTheRatiosDependOnIt()
    {
        final String model = QuickComparison.cpuModel();
        assertFalse(model.isBlank());
        assertTrue(QuickComparison.shortMachine().startsWith(model + ", "), QuickComparison.shortMachine());
        assertTrue(QuickComparison.shortMachine().contains(" CPUs, "), QuickComparison.shortMachine());
    }

    @Test
    void headlineDividesDocrefsMedianByFastutilsAndBySingleThreadedDocrefsAndCyclesArePerOperation()
    {
        final String headline = QuickComparison.headline(ROWS);
        assertTrue(headline.contains(
            "| Get hit | 1M | 40.0 ns/op | 32.0 ns/op | 50.0 ns/op | **0.80x** | **1.25x** | 0.00 |"), headline);
        assertTrue(headline.contains("| Iteration (one full pass) | 1M | 3.00 ns/entry | - | 6.00 ns/entry | " +
            "**0.50x** | - |"), headline);
        // A fill of 1M puts in 65 ms is 65 ns per put, and its 16 bytes are 0.000016 per put.
        assertTrue(headline.contains("| Put into a pre-sized map | 1M | 65.0 ns/put | - | 26.0 ns/put | **2.50x** | " +
            "- | 0.00 |"), headline);
        // A pass removes half the entries: 500,000 removes in 50 ms is 100 ns per remove.
        assertTrue(headline.contains("| Remove | 1M | 100 ns/remove | - | 40.0 ns/remove | **2.50x** |"), headline);
    }

    @Test
    void cycleTablesShowTheTimePerCycleAndPerOperation()
    {
        final String tables = QuickComparison.tables(ROWS);
        assertTrue(tables.contains("| Map | Median | Mean ± error (99.9%) | Median / fastutil | Allocated B/fill | " +
            "Median ns/put |"), tables);
        assertTrue(tables.contains("| docref PresizedDocRefMap | 65.0 | 66.0 ± 1.00 | 2.50x | 16.00 | 65.0 |"),
            tables);
        assertTrue(tables.contains("Allocated B/pass | Median ns/remove |"), tables);
    }

    @Test
    void readerScalingDividesTwoReadersThroughputByOneReadersAndShowsWhatDidNotRun()
    {
        final String readers = QuickComparison.readerHeadline(ROWS);
        assertTrue(readers.contains("| docref PresizedDocRefMap | 1M | 30.0 | 54.0 | **1.80x** |"), readers);
        assertTrue(readers.contains("| fastutil Long2LongOpenHashMap | 1M | 40.0 | - | - |"), readers);
        final String tables = QuickComparison.readerTables(ROWS);
        assertTrue(tables.contains("| docref PresizedDocRefMap | 2 | 54.0 | 55.0 ± 2.00 | 27.0 | 0.00 |"), tables);
        assertEquals("", QuickComparison.readerHeadline(ROWS.subList(0, 9)), "no reader-scaling rows, no table");
    }

    @Test
    void tablesListMapsInKindOrderWithRatioToFastutil()
    {
        final String tables = QuickComparison.tables(ROWS);
        final int docref = tables.indexOf("| docref PresizedDocRefMap | 40.0 | 41.0 ± 1.00 | 0.80x | 0.00 |");
        final int fastutil = tables.indexOf("| fastutil Long2LongOpenHashMap | 50.0 | 51.0 ± 2.00 | 1.00x | 0.00 |");
        assertTrue(docref >= 0 && fastutil > docref, tables);
        assertTrue(tables.contains("## Get hit, 1,000,000 entries (`GetHitBenchmark`, ns/op)"), tables);
    }

    @Test
    void sameMemoryDividesDocrefByFastutilAtTheFullerLoadFactorAndShowsWhatItsDefaultBuys()
    {
        final List<QuickComparison.Row> rows = List.of(
            new QuickComparison.Row("GetHitBenchmark", "presized", 870_000, 49, 50, 1, "ns/op", 5, 0, 1, "default"),
            new QuickComparison.Row("GetHitBenchmark", "fastutil", 870_000, 40, 41, 1, "ns/op", 5, 0, 1, "0.875"),
            new QuickComparison.Row("GetHitBenchmark", "fastutil", 870_000, 25, 25, 1, "ns/op", 5, 0, 1, "default"),
            new QuickComparison.Row("PutPresizedBenchmark", "presized", 870_000, 52.2, 53, 1, "ms/op", 5, 0, 1,
                "default"));
        final String table = QuickComparison.sameMemory(rows, 870_000, 19.43, 19.28, 38.57);
        assertTrue(table.contains("| Get hit | 49.0 ns/op | 40.0 ns/op | **1.23x** | 25.0 ns/op | 1.60x |"), table);
        assertTrue(table.contains("| Put into a pre-sized map | 60.0 ns/put | - | - | - | - |"), table);
        assertTrue(table.contains("870,000 entries") && table.contains("19.4 and 19.3 bytes per entry") &&
            table.contains("(38.6 bytes per entry)"), table);
        assertTrue(!table.contains("Get miss"), "a benchmark with no rows gets no line: " + table);
    }

    @Test
    void sameMemoryDefaultSizeGivesBothMapsAboutTheSameBytesPerEntry()
    {
        final double docref = QuickComparison.docrefBytesPerEntry(QuickComparison.SAME_MEMORY_SIZE);
        final double fastutil = QuickComparison.fastutilBytesPerEntry(QuickComparison.SAME_MEMORY_SIZE,
            Float.parseFloat(QuickComparison.SAME_MEMORY_LOAD_FACTOR));
        // If docref's defaults or fastutil's sizing change, SAME_MEMORY_SIZE (or the load factor) must follow them.
        assertTrue(Math.abs(docref - fastutil) / fastutil < 0.05, docref + " against " + fastutil);
        assertEquals(16.0 * ((1 << 20) + 1) / 870_000, fastutil, 1e-9);
        assertEquals(16.0 * ((1 << 21) + 1) / 870_000, QuickComparison.fastutilBytesPerEntry(870_000, 0.75f), 1e-9);
    }

    @Test
    void replaceBlockKeepsTheMarkersAndEverythingOutsideThem()
    {
        final String text = "intro\n<!-- a -->\nold\n<!-- b -->\nrest\n";
        assertEquals("intro\n<!-- a -->\nnew table\n<!-- b -->\nrest\n",
            QuickComparison.replaceBlock(text, "<!-- a -->", "<!-- b -->", "new table\n", "README.md"));
    }

    @Test
    void replaceBlockWithoutMarkersNamesTheFileAndTheMarkers()
    {
        final IllegalStateException ex = assertThrows(IllegalStateException.class,
            () -> QuickComparison.replaceBlock("no markers", "<!-- a -->", "<!-- b -->", "x", "README.md"));
        assertTrue(ex.getMessage().contains("README.md") && ex.getMessage().contains("<!-- a -->"), ex.getMessage());
    }

    /** Fails on a comparison that reads these files only after every benchmark has run. */
    @Test
    void aSiteOrReadmeFileMissingOrWithoutItsMarkersIsRejectedBeforeAnythingRuns(@TempDir final Path dir)
        throws IOException
    {
        final Path missing = dir.resolve("missing.md");
        final IllegalArgumentException unreadable = assertThrows(IllegalArgumentException.class,
            () -> QuickComparison.Options.parse(new String[] {"--site", missing.toString()}));
        assertTrue(unreadable.getMessage().contains("--site '" + missing + "' cannot be read"),
            unreadable.getMessage());
        final Path unmarked = Files.writeString(dir.resolve("README.md"), "# no markers\n");
        final IllegalArgumentException noMarkers = assertThrows(IllegalArgumentException.class,
            () -> QuickComparison.Options.parse(new String[] {"--readme", unmarked.toString()}));
        assertTrue(noMarkers.getMessage().contains("--readme '" + unmarked + "'") &&
            noMarkers.getMessage().contains(QuickComparison.README_START), noMarkers.getMessage());
        final Path marked = Files.writeString(dir.resolve("benchmarks.md"),
            "x\n" + QuickComparison.SITE_START + "\nold\n" + QuickComparison.SITE_END + "\n");
        assertEquals(marked, QuickComparison.Options.parse(new String[] {"--site", marked.toString()}).site);
    }

    @Test
    void badOptionsAreRejectedNamingTheValue()
    {
        final IllegalArgumentException time = assertThrows(IllegalArgumentException.class,
            () -> QuickComparison.Options.parse(new String[] {"--time", "soon"}));
        assertTrue(time.getMessage().contains("'soon'") && time.getMessage().contains("500ms"), time.getMessage());
        final IllegalArgumentException map = assertThrows(IllegalArgumentException.class,
            () -> QuickComparison.Options.parse(new String[] {"--maps", "fastutil,trove"}));
        assertTrue(map.getMessage().contains("'trove'"), map.getMessage());
        final IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
            () -> QuickComparison.Options.parse(new String[] {"--same-memory-size", "-870000"}));
        assertTrue(size.getMessage().contains("-870000"), size.getMessage());
        assertEquals(870_001, QuickComparison.Options.parse(new String[] {"--same-memory-size", "870001"})
            .sameMemorySize, "any size: the put benchmark fills whole maps, no longer chunks of 1000");
        assertEquals(0, QuickComparison.Options.parse(new String[] {"--same-memory-size", "0"}).sameMemorySize);
    }

    /** Size 1 was accepted, and its table headed "at the same memory" compared 512 bytes per entry with 48. */
    @ParameterizedTest
    @CsvSource({"1, 512.0, 48.0, 424", "100, 31.5, 20.6, 424", "1000000, 19.3, 33.6, 870318 or 1740636"})
    void aSameMemorySizeAtWhichTheMapsTakeDifferentMemoryIsRefused(final int size, final String docref,
        final String fastutil, final String fits)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> QuickComparison.Options.parse(new String[] {"--same-memory-size", Integer.toString(size)}));
        assertTrue(ex.getMessage().startsWith("--same-memory-size " + size + " does not compare the maps at the " +
            "same memory: docref pre-sized for it takes " + docref + " bytes per entry and fastutil at load factor " +
            "0.875 " + fastutil + ", more than 10% apart") && ex.getMessage().endsWith("pass --same-memory-size " +
            fits + ", or 0 to skip the table"), ex.getMessage());
        for (final String suggested : fits.split(" or "))
        {
            assertEquals(Integer.parseInt(suggested), QuickComparison.Options.parse(
                new String[] {"--same-memory-size", suggested}).sameMemorySize);
        }
        // What the table prints for a size it takes, from the maps' own sizing, agrees within the tolerance.
        final double docrefBytes = QuickComparison.docrefBytesPerEntry(QuickComparison.SAME_MEMORY_SIZE);
        final double fastutilBytes = QuickComparison.fastutilBytesPerEntry(QuickComparison.SAME_MEMORY_SIZE, 0.875f);
        assertTrue(Math.abs(docrefBytes - fastutilBytes) <= 0.1 * Math.min(docrefBytes, fastutilBytes));
    }

    @Test
    void aForkHeapTheJvmWouldRefuseIsRejectedNamingTheFlag()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> QuickComparison.Options.parse(new String[] {"--heap", "0"}));
        assertTrue(ex.getMessage().contains("--heap") && ex.getMessage().contains("'0'") &&
            ex.getMessage().contains("such as 4g"), ex.getMessage());
        assertEquals("512m", QuickComparison.Options.parse(new String[] {"--heap", "512m", "--get-sizes", "1000000"})
            .heap);
    }

    /**
     * java.util.HashMap's fork ran out of memory minutes in, and JMH's shouldFailOnError ended the whole run there.
     */
    @Test
    void aForkHeapBelowWhatTheHungriestForkMustHoldIsRefusedBeforeAnythingRuns()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> QuickComparison.Options.parse(new String[] {"--sizes", "100000000", "--heap", "4g"}));
        // 100M keys: HashMap's nodes, boxes and table, and the keys, the removals and the two half arrays of refills.
        assertTrue(ex.getMessage().startsWith("--heap 4g is too small for java.util.HashMap<Long,Long> in " +
            "RemoveBenchmark at --sizes 100,000,000: its fork holds at least 10.18 GiB of heap at once (7.95 GiB " +
            "for the map, 2.24 GiB for its key arrays), more than 4.00 GiB; pass --heap 11g or more"),
            ex.getMessage());
        // The --heap it names runs; so do the defaults, and docref's maps, off-heap, in 4g at 100M.
        assertEquals("11g", QuickComparison.Options.parse(new String[] {"--sizes", "100000000", "--heap", "11g"})
            .heap);
        QuickComparison.Options.parse(new String[0]);
        QuickComparison.Options.parse(new String[] {"--sizes", "100000000", "--maps", "presized,presized_st"});
        // fastutil at 100M: its 2^27-slot table, 2 GiB, and in the remove fork 2.24 GiB of keys, removals, refills;
        // growing, it holds that table and the 2^26-slot one it rehashes from, 3 GiB, and the keys.
        final IllegalArgumentException fastutil = assertThrows(IllegalArgumentException.class,
            () -> QuickComparison.Options.parse(new String[] {"--sizes", "100000000", "--maps", "presized,fastutil"}));
        assertTrue(fastutil.getMessage().startsWith("--heap 4g is too small for fastutil Long2LongOpenHashMap in " +
            "RemoveBenchmark at --sizes 100,000,000: its fork holds at least 4.24 GiB of heap at once (2.00 GiB " +
            "for the map, 2.24 GiB for its key arrays)"), fastutil.getMessage());
        assertEquals(3L << 30, LongMap.Kind.FASTUTIL.minHeapBytes(100_000_000, true), 32);
        // The get sizes, and the same-memory size, are checked too.
        assertTrue(assertThrows(IllegalArgumentException.class, () -> QuickComparison.Options.parse(new String[]
            {"--get-sizes", "100000000", "--benchmarks", "GetMissBenchmark", "--maps", "hashmap"})).getMessage()
            .contains("in GetMissBenchmark at --get-sizes 100,000,000"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> QuickComparison.Options.parse(new String[]
            {"--same-memory-size", "222801428", "--benchmarks", "PutPresizedBenchmark", "--maps",
                "presized,fastutil"})).getMessage().contains("at --same-memory-size 222,801,428"));
    }

    @ParameterizedTest
    @CsvSource({"GetHitBenchmark, 2", "GetMissBenchmark, 1", "IterateBenchmark, 1", "ReaderScalingBenchmark, 2",
        "RemoveBenchmark, 3"})
    void eachForkHeapFloorIsTheMapAndTheKeyArraysItsSetUpHolds(final String benchmark, final int keyArrays)
    {
        final int size = 1_000_000;
        for (final LongMap.Kind kind : LongMap.Kind.values())
        {
            assertEquals(kind.minHeapBytes(size, false) + keyArrays * 8L * size,
                QuickComparison.FORK_HEAPS.get(benchmark).minBytes(kind, size), 64, kind + " in " + benchmark);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"0ms", "0s", "-5ms", "-1s", "0"})
    void anIterationTimeBelowOneMillisecondIsRejectedNamingTheRange(final String time)
    {
        // JMH would run iterations of time 0 as single-shot: one call each, not the benchmark asked for.
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> QuickComparison.Options.parse(new String[] {"--time", time}));
        assertTrue(ex.getMessage().contains("--time") && ex.getMessage().contains("'" + time + "'") &&
            ex.getMessage().contains("at least 1ms"), ex.getMessage());
    }

    @Test
    void iterationTimesAndCountsInRangeAreTaken()
    {
        final QuickComparison.Options options = QuickComparison.Options.parse(
            new String[] {"--time", "1ms", "--warmup", "0", "--iterations", "1"});
        assertEquals(1, options.time.getTime());
        assertEquals(0, options.warmupIterations);
        assertEquals(1, options.iterations);
        assertEquals(2, QuickComparison.Options.parse(new String[] {"--time", "2s"}).time.getTime());
        for (final String[] bad : new String[][] {{"--warmup", "-1"}, {"--iterations", "0"}, {"--forks", "0"}})
        {
            final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> QuickComparison.Options.parse(bad));
            assertTrue(ex.getMessage().contains(bad[0]) && ex.getMessage().contains("'" + bad[1] + "'"),
                ex.getMessage());
        }
    }

    @Test
    void aSizeASelectedBenchmarkCannotRunIsRefusedBeforeAnythingRuns()
    {
        // JMH failed in RemoveBenchmark's set-up, after the benchmarks before it, telling to "pass -p size=N".
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> QuickComparison.Options.parse(new String[] {"--sizes", "1000,1"}));
        assertEquals("--sizes 1 is below RemoveBenchmark's minimum of 2 entries; pass --sizes of 2 or more, or leave " +
            "RemoveBenchmark out of --benchmarks", ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> QuickComparison.Options.parse(
            new String[] {"--sizes", "1", "--benchmarks", "RemoveBenchmark,GetHitBenchmark"}));
        // Size 1 is fine for every other benchmark, and RemoveBenchmark runs at 2.
        assertEquals(List.of(1), QuickComparison.Options.parse(new String[] {"--sizes", "1", "--get-sizes", "1",
            "--benchmarks", "GetHitBenchmark,GetMissBenchmark,PutPresizedBenchmark,PutGrowingBenchmark," +
            "IterateBenchmark,ReaderScalingBenchmark"}).sizes);
        assertEquals(List.of(2), QuickComparison.Options.parse(new String[] {"--sizes", "2"}).sizes);
    }

    private static final LocalDate DAY = LocalDate.of(2026, 11, 30);
    private static final String OLD_SITE = "# Benchmarks\n" + QuickComparison.SITE_START +
        "\nthe site's last full run\n" + QuickComparison.SITE_END + "\nafter\n";
    private static final String OLD_README = "# docref\n" + QuickComparison.README_START +
        "\n| Get hit | 1M | **1.26x** |\n" + QuickComparison.README_END + "\nafter\n";

    /** A comparison run through {@code QuickComparison.compare} with made-up rows: what it wrote and printed. */
    private static final class Run
    {
        final Path dir;
        final Path site;
        final Path readme;
        final Path out;
        final String stdout;
        /** What the run had printed when its first benchmark began. */
        String stdoutBeforeMeasuring;
        final List<String> measured = new ArrayList<>();

        Run(final Path dir, final String... args) throws Exception
        {
            this.dir = dir;
            site = Files.writeString(dir.resolve("benchmarks.md"), OLD_SITE);
            readme = Files.writeString(dir.resolve("README.md"), OLD_README);
            out = dir.resolve("results.md");
            final List<String> all = new ArrayList<>(List.of("--site", site.toString(), "--readme", readme.toString(),
                "--out", out.toString(), "--sizes", "1000", "--get-sizes", "1000", "--same-memory-size", "849"));
            all.addAll(List.of(args));
            final QuickComparison.Options options = QuickComparison.Options.parse(all.toArray(new String[0]));
            // The run starts on DAY and ends on the next day: the first measurement crosses midnight.
            final AtomicReference<LocalDate> today = new AtomicReference<>(DAY);
            final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            QuickComparison.compare(options, (benchmark, maps, sizes, loadFactors, o) ->
            {
                today.set(DAY.plusDays(1));
                if (measured.isEmpty())
                {
                    stdoutBeforeMeasuring = bytes.toString(StandardCharsets.UTF_8);
                }
                measured.add(benchmark + " " + maps);
                return rows(benchmark, maps, sizes, loadFactors);
            }, today::get, new PrintStream(bytes, true, StandardCharsets.UTF_8));
            stdout = bytes.toString(StandardCharsets.UTF_8);
        }

        /** One row per map, size, load factor and (for reader scaling) reader count, as JMH would give. */
        private static List<QuickComparison.Row> rows(final String benchmark, final List<String> maps,
            final List<Integer> sizes, final List<String> loadFactors)
        {
            final List<QuickComparison.Row> rows = new ArrayList<>();
            final boolean readers = benchmark.equals(QuickComparison.READER_SCALING);
            for (final String kind : maps)
            {
                for (final int size : sizes)
                {
                    for (final String loadFactor : loadFactors)
                    {
                        for (int threads = 1; threads <= (readers ? 2 : 1); threads++)
                        {
                            rows.add(new QuickComparison.Row(benchmark, kind, size, 10 + maps.indexOf(kind), 10, 1,
                                readers ? "ops/us" : "ns/op", 5, 0, threads, loadFactor));
                        }
                    }
                }
            }
            return rows;
        }

        String site() throws IOException
        {
            return Files.readString(site);
        }

        String readme() throws IOException
        {
            return Files.readString(readme);
        }
    }

    /** Fails on a comparison that rewrote README's headline with an empty table when docref had not run. */
    @Test
    void aRunWithoutDocrefLeavesBothBlocksAsTheyWereSaysWhyAndStillWritesItsResults(@TempDir final Path dir)
        throws Exception
    {
        final Run run = new Run(dir, "--maps", "fastutil,hppc");
        assertEquals(OLD_README, run.readme(), "README's headline is docref / fastutil: a run without docref has none");
        assertEquals(OLD_SITE, run.site());
        assertTrue(Files.readString(run.out).contains("| HPPC LongLongHashMap |"), "the run's own results are kept");
        assertEquals(List.of(
            "[comparison] kept " + run.site + "'s block after '" + QuickComparison.SITE_START + "' as it was: it " +
                "shows every map in every benchmark and the same-memory table, and this run left out presized, " +
                "presized_st, presized_compact, agrona, eclipse, hashmap; to refresh it, add presized,presized_st," +
                "presized_compact,agrona,eclipse,hashmap to --maps (or leave --maps out)",
            "[comparison] kept " + run.readme + "'s block after '" + QuickComparison.README_START + "' as it was: " +
                "it shows presized, presized_st, fastutil in every benchmark and the same-memory table, and this run " +
                "left out presized, presized_st; to refresh it, add presized,presized_st to --maps (or leave --maps " +
                "out)"), keptLines(run.stdout));
        final List<String> before = new ArrayList<>();
        for (final String line : keptLines(run.stdout))
        {
            before.add(line.replaceFirst("^\\[comparison\\] kept ", "[comparison] will keep "));
        }
        assertEquals(before, List.of(run.stdoutBeforeMeasuring.split("\\R")),
            "a run that will not refresh a block says so before it measures, not only at its end");
    }

    /** Fails on a comparison that rewrote both blocks with only the benchmarks and the maps it ran. */
    @Test
    void aRunOfSomeBenchmarksOrWithoutTheSameMemoryTableLeavesBothBlocksAsTheyWere(@TempDir final Path dir)
        throws Exception
    {
        final Run some = new Run(dir, "--maps", "presized,presized_st,fastutil", "--benchmarks",
            "GetHitBenchmark,ReaderScalingBenchmark");
        assertEquals(OLD_README, some.readme(), "a headline of get hit alone would hide the other operations");
        assertEquals(OLD_SITE, some.site());
        final List<String> kept = keptLines(some.stdout);
        assertEquals(2, kept.size(), some.stdout);
        assertTrue(kept.get(1).endsWith("this run left out GetMissBenchmark, PutPresizedBenchmark, " +
            "PutGrowingBenchmark, RemoveBenchmark, IterateBenchmark; to refresh it, add GetMissBenchmark," +
            "PutPresizedBenchmark,PutGrowingBenchmark,RemoveBenchmark,IterateBenchmark to --benchmarks (or leave " +
            "--benchmarks out)"), kept.get(1));
        final Run noSameMemory = new Run(Files.createDirectories(dir.resolve("b")), "--same-memory-size", "0");
        assertEquals(OLD_README, noSameMemory.readme());
        assertTrue(keptLines(noSameMemory.stdout).get(1).endsWith("this run left out the same-memory table; to " +
            "refresh it, pass --same-memory-size above 0 (or leave it out)"), noSameMemory.stdout);
    }

    @Test
    void aRunOfEverythingTheBlocksShowRewritesBothAndKeepsNothing(@TempDir final Path dir) throws Exception
    {
        final Run run = new Run(dir);
        assertNotEquals(OLD_README, run.readme());
        // Made-up medians: 10 ns for presized, 11 for presized_st, 12 for fastutil (compact runs only in growth).
        assertTrue(run.readme().contains("| Get hit | 1,000 | 10.0 ns/op | 11.0 ns/op | 12.0 ns/op | **0.83x** | " +
            "**0.91x** | 0.00 |"), run.readme());
        assertTrue(run.site().contains("| HPPC LongLongHashMap | 14.0 |"), run.site());
        assertTrue(run.readme().contains("; tables, machine and commands: [`results.md`](results.md)):\n"),
            "README's block links the run it shows, beside it: " + run.readme());
        assertEquals(List.of(), keptLines(run.stdout));
        assertEquals(Files.readString(run.out) + System.lineSeparator(), run.stdout, "stdout is the results alone");
    }

    /** Fails on a comparison that dated a run crossing UTC midnight by the day it ended. */
    @Test
    void aRunIsDatedByTheDayItStarted(@TempDir final Path dir) throws Exception
    {
        final Run run = new Run(dir);
        assertTrue(Files.readString(run.out).startsWith("# Quick comparison, 2026-11-30\n"), Files.readString(run.out));
        assertTrue(run.readme().contains("(`bench/run-comparison`, 2026-11-30, "), run.readme());
        assertTrue(run.site().contains("results.md), 2026-11-30."), run.site());
    }

    /** Fails on a comparison that built, measured nothing and wrote empty tables over the site's and README's. */
    @Test
    void aRunThatWouldMeasureNothingIsRefusedBeforeAnythingRunsNamingWhatToPass(@TempDir final Path dir)
    {
        final IllegalArgumentException readers = assertThrows(IllegalArgumentException.class,
            () -> new Run(dir, "--maps", "hppc", "--benchmarks", "ReaderScalingBenchmark"));
        assertEquals("--maps hppc with --benchmarks ReaderScalingBenchmark measures nothing (ReaderScalingBenchmark " +
            "runs only presized, presized_st, fastutil; presized_compact runs only in PutGrowingBenchmark); add " +
            "presized (which every benchmark runs) to --maps, or PutGrowingBenchmark (which runs every map) to " +
            "--benchmarks", readers.getMessage());
        assertThrows(IllegalArgumentException.class, () -> QuickComparison.Options.parse(
            new String[] {"--maps", "presized_compact", "--benchmarks", "GetHitBenchmark,ReaderScalingBenchmark"}));
        assertFalse(Files.exists(dir.resolve("results.md")), "nothing written");
        // One benchmark that runs one of the maps is enough.
        assertEquals(List.of("hppc"), QuickComparison.Options.parse(
            new String[] {"--maps", "hppc", "--benchmarks", "ReaderScalingBenchmark,GetHitBenchmark"}).maps);
    }

    /** Reader scaling runs only docref and fastutil of the maps, and compact growth only in put while growing. */
    @Test
    void eachBenchmarkMeasuresTheMapsItCanRun(@TempDir final Path dir) throws Exception
    {
        final Run run = new Run(dir, "--maps", "presized_compact,hppc,fastutil", "--same-memory-size", "0");
        assertEquals(List.of("GetHitBenchmark [hppc, fastutil]", "GetMissBenchmark [hppc, fastutil]",
            "PutPresizedBenchmark [hppc, fastutil]", "PutGrowingBenchmark [presized_compact, hppc, fastutil]",
            "RemoveBenchmark [hppc, fastutil]", "IterateBenchmark [hppc, fastutil]",
            "ReaderScalingBenchmark [fastutil]"), run.measured);
    }

    /**
     * A run without docref, or with docref but neither fastutil nor the single-threaded docref, has no headline rows:
     * its results file used to show the headline's heading and column names over no rows.
     */
    @ParameterizedTest
    @CsvSource({"'hppc,fastutil', docref (presized)", "'presized,hppc', fastutil or presized_st"})
    void aRunWithoutTheHeadlinesMapsSaysWhyInPlaceOfAnEmptyHeadlineTable(final String maps, final String missing,
        @TempDir final Path dir) throws Exception
    {
        final Run run = new Run(dir, "--maps", maps, "--same-memory-size", "0");
        final String results = Files.readString(run.out, StandardCharsets.UTF_8);
        assertFalse(results.contains("| Benchmark | Entries | docref median |"), results);
        assertTrue(results.contains("## Headline: docref / fastutil and thread-safe / single-threaded\n\nNo " +
            "headline: it sets docref (presized) against fastutil and against presized_st in GetHitBenchmark, ") &&
            results.contains("and this run (--maps " + maps + ") measured no " + missing + "; add them for it."),
            results);
        // The full tables are there.
        assertTrue(results.contains("## Get hit, 1,000 entries"), results);
    }

    /**
     * The blocks link the results file where {@code --out} put it, relative to each marked file: the links used to
     * assume bench/results ({@code ../../../bench/results/r.md} and {@code bench/results/r.md}), broken for any
     * other {@code --out}.
     */
    @Test
    void theBlocksLinkTheResultsFileWhereItIs(@TempDir final Path dir) throws Exception
    {
        final Run run = new Run(dir, "--out", dir.resolve("elsewhere").resolve("r.md").toString());
        assertTrue(Files.exists(dir.resolve("elsewhere").resolve("r.md")));
        assertTrue(run.readme().contains("[`r.md`](elsewhere/r.md)"), run.readme());
        assertTrue(run.site().contains("Latest quick comparison: [`r.md`](elsewhere/r.md)"), run.site());
        assertEquals("../../../bench/results/2026-11-30.md", QuickComparison.link(
            Path.of("src", "site", "markdown", "benchmarks.md"), Path.of("bench", "results", "2026-11-30.md")));
    }

    /** A block cannot link a results file outside its repository: such an --out is refused if it is rewritten. */
    @Test
    void anOutOutsideTheRepositoryOfARewrittenBlockIsRefused(@TempDir final Path dir) throws Exception
    {
        final Path repo = Files.createDirectories(dir.resolve("repo").resolve(".git")).getParent();
        final Path site = Files.writeString(repo.resolve("benchmarks.md"), OLD_SITE);
        final String outside = dir.resolve("outside.md").toString();
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> QuickComparison.Options.parse(new String[] {"--site", site.toString(), "--out", outside}));
        assertTrue(ex.getMessage().startsWith("--out " + outside + " is outside the repository " + repo +
            " of --site ") &&
            ex.getMessage().contains("(../outside.md) would resolve neither") &&
            ex.getMessage().endsWith("such as --out bench/results/outside.md, or leave --out out"), ex.getMessage());
        // Inside it, or a run that keeps the block, is taken.
        QuickComparison.Options.parse(new String[] {"--site", site.toString(), "--out",
            repo.resolve("r.md").toString()});
        QuickComparison.Options.parse(new String[] {"--site", site.toString(), "--out", outside, "--maps",
            "presized,fastutil"});
    }

    /** Reader scaling alone has no headline rows either: the line names the benchmarks instead. */
    @Test
    void aRunOfReaderScalingAloneSaysWhyItHasNoHeadline(@TempDir final Path dir) throws Exception
    {
        final String results = Files.readString(new Run(dir, "--maps", "presized,fastutil", "--benchmarks",
            QuickComparison.READER_SCALING).out, StandardCharsets.UTF_8);
        assertTrue(results.contains("and this run (--benchmarks ReaderScalingBenchmark) ran none of " +
            "GetHitBenchmark, GetMissBenchmark,"), results);
        assertTrue(results.contains("Reader scaling (`ReaderScalingBenchmark`)"), results);
    }

    /** A run with docref and one of its peers keeps its headline table. */
    @Test
    void aRunWithDocrefAndOnePeerHasAHeadlineTable(@TempDir final Path dir) throws Exception
    {
        final String results = Files.readString(new Run(dir, "--maps", "presized,fastutil").out,
            StandardCharsets.UTF_8);
        assertTrue(results.contains("| Benchmark | Entries | docref median |") && !results.contains("No headline"),
            results);
    }

    private static List<String> keptLines(final String stdout)
    {
        final List<String> kept = new ArrayList<>();
        for (final String line : stdout.split("\\R"))
        {
            if (line.startsWith("[comparison] kept "))
            {
                kept.add(line);
            }
        }
        return kept;
    }
}
