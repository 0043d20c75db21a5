package dev.docref.bench;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The growth-pause harness's reader mode and its options; not for timing (the figures come from real runs). */
class GrowthPauseHarnessTest
{
    private static final int ENTRIES = 300_000;

    @ParameterizedTest
    @EnumSource(value = LongMap.Kind.class, names = {"PRESIZED", "PRESIZED_ST", "FASTUTIL"})
    void readersGetAndCheckPublishedKeysWhileTheWriterGrowsTheMap(final LongMap.Kind kind) throws Exception
    {
        final ReadersDuringGrowth.Result result =
            new ReadersDuringGrowth(kind, Keys.distinct(ENTRIES, 3), 2, false, 11).run();

        assertEquals(ENTRIES, result.entries);
        assertEquals(ENTRIES, result.puts.getTotalCount(), "every put timed");
        assertTrue(result.gets.getTotalCount() > 0, "readers made gets");
        assertEquals(2, result.worstGetPerReader.size());
        assertEquals(kind.threadSafe() ? "none" : "ReentrantReadWriteLock", result.locking);
        final Map<String, String> row = result.toMap(kind, 2);
        assertEquals(Long.toString(result.gets.getMaxValue()), row.get("getMax"));
        assertEquals(2, row.get("getMaxPerReader").split(",").length);
        // The slowest get, exact (the histogram keeps 3 digits), and when it ended: after the writer's first put.
        final long worstGet = Long.parseLong(row.get("worstGet"));
        assertTrue(Math.abs(worstGet - result.gets.getMaxValue()) <= worstGet / 1000, row.toString());
        assertTrue(Long.parseLong(row.get("worstGetEndNanoTime")) > Long.parseLong(row.get("measureFromNanoTime")),
            row.toString());
        assertTrue(!row.containsKey("worstGetWaited"), "no scheduler figures unless asked: " + row);
    }

    @Test
    void withSchedulerStatisticsTheSlowestGetSaysHowLongItsReaderWaitedForACpu() throws Exception
    {
        assumeTrue(SchedStat.unsupportedReason() == null, SchedStat.unsupportedReason());
        final Map<String, String> row = new ReadersDuringGrowth(LongMap.Kind.PRESIZED, Keys.distinct(ENTRIES, 3), 2,
            false, 11).withSchedStats().run().toMap(LongMap.Kind.PRESIZED, 2);
        assertTrue(Long.parseLong(row.get("worstGetWaited")) >= 0 && Long.parseLong(row.get("worstGetBlocked")) >= 0,
            row.toString());
    }

    @Test
    void aReaderThatFindsAPublishedKeyMissingFailsTheRun()
    {
        // Drops every 10th put: a reader soon picks a published key the map does not hold.
        final LongMap lossy = new LongMap.Fastutil(new Long2LongOpenHashMap())
        {
            private long puts;

            @Override
            public void set(final long key, final long value)
            {
                if (puts++ % 10 != 9)
                {
                    super.set(key, value);
                }
            }
        };
        final IllegalStateException ex = assertThrows(IllegalStateException.class,
            () -> new ReadersDuringGrowth(LongMap.Kind.FASTUTIL, Keys.distinct(ENTRIES, 5), 1, false, 1).run(lossy));
        assertTrue(ex.getMessage().contains("published before the get started") &&
            ex.getMessage().contains("expected"), ex.getMessage());
    }

    @Test
    void aReaderThatThrowsFailsTheRun()
    {
        // The 1,000th get throws: the run must fail, not report the remaining reader's gets alone.
        final LongMap broken = new LongMap.Fastutil(new Long2LongOpenHashMap())
        {
            private final java.util.concurrent.atomic.AtomicLong gets = new java.util.concurrent.atomic.AtomicLong();

            @Override
            public long get(final long key)
            {
                if (gets.incrementAndGet() == 1_000)
                {
                    throw new IllegalStateException("simulated map bug in get");
                }
                return super.get(key);
            }
        };
        final IllegalStateException ex = assertThrows(IllegalStateException.class,
            () -> new ReadersDuringGrowth(LongMap.Kind.FASTUTIL, Keys.distinct(ENTRIES, 5), 2, false, 1).run(broken));
        assertTrue(ex.getMessage().contains("a reader threw") && ex.getMessage().contains("simulated map bug"),
            ex.getMessage());
        assertEquals("simulated map bug in get", ex.getCause().getMessage());
    }

    @Test
    void readersTableSaysHowEachMapIsSharedAndRatesDocrefAgainstFastutilAndSingleThreaded()
    {
        final List<Map<String, String>> results = List.of(
            row("PRESIZED", "none", 2_000_000, 1_000_000_000L),
            row("PRESIZED_ST", "ReentrantReadWriteLock", 3_000_000, 900_000_000L),
            row("FASTUTIL", "ReentrantReadWriteLock", 4_000_000_000L, 800_000_000L));
        final GrowthPauseHarness.Options options =
            GrowthPauseHarness.Options.parse(new String[] {"--mode", "readers", "--entries", "1000"});
        final String table = GrowthPauseHarness.readersTable(results, options);

        assertTrue(table.contains("| docref PresizedDocRefMap | none | 1,234 | 0.10 us |"), table);
        assertTrue(table.contains("| 2.000 ms | 2.000 ms, 1.500 ms | 3 |"), table);
        assertTrue(table.contains("| fastutil Long2LongOpenHashMap | ReentrantReadWriteLock |"), table);
        assertTrue(table.contains("worst get 0.00050x (fastutil's is 2000x larger)"), table);
        assertTrue(table.contains("thread-safe / single-threaded in this run: worst get 0.67x, writer's total time " +
            "1.11x"), table);
        assertTrue(table.contains("ReentrantReadWriteLock (non-fair)"), table);
    }

    @Test
    void theRatioLineNamesWhicheverWorstIsLarger()
    {
        assertEquals("fastutil's is 94x larger", GrowthPauseHarness.largerOf(1.592, 149.160));
        assertEquals("docref's is 12x larger", GrowthPauseHarness.largerOf(66.191, 5.505));
        assertEquals("fastutil's is 1.1x larger", GrowthPauseHarness.largerOf(0.91058, 1.0));
        assertEquals("docref's is 1.4x larger", GrowthPauseHarness.largerOf(1.40452, 1.0));
        assertEquals("equal", GrowthPauseHarness.largerOf(2.0, 2.0));
        assertEquals("fastutil's is larger", GrowthPauseHarness.largerOf(0, 3.0), "no factor when one is 0");
    }

    @Test
    void docrefsPutsAreSplitIntoThoseThatSplitASegmentAndTheRest() throws Exception
    {
        final GrowthPauseHarness.Options options =
            GrowthPauseHarness.Options.parse(new String[] {"--entries", "200000"});
        final Map<String, String> docref =
            GrowthPauseHarness.parse(GrowthPauseHarness.runChild(LongMap.Kind.PRESIZED_ST, options));
        final Map<String, String> fastutil =
            GrowthPauseHarness.parse(GrowthPauseHarness.runChild(LongMap.Kind.FASTUTIL, options));

        // 200,000 keys from one segment: at least 200,000 / 7,105 splits, each counted once.
        final long splits = Long.parseLong(docref.get("splitPuts"));
        assertTrue(splits >= 200_000 / 7_105 && splits < 200, docref.toString());
        // The histogram keeps 3 significant digits; the two classes keep exact nanoseconds.
        final long worst = Long.parseLong(docref.get("max"));
        final long worstOfClasses =
            Math.max(Long.parseLong(docref.get("splitMax")), Long.parseLong(docref.get("otherMax")));
        assertTrue(Math.abs(worst - worstOfClasses) <= worst / 1000, "the worst put is in one of the two classes: " +
            worst + " against " + worstOfClasses);
        assertTrue(Long.parseLong(docref.get("splitP50")) <= Long.parseLong(docref.get("splitP99")), docref.toString());
        assertTrue(!fastutil.containsKey("splitPuts"), "fastutil has no segments: " + fastutil);

        final String table = GrowthPauseHarness.table(List.of(docref, fastutil), options);
        assertTrue(table.contains("| docref PresizedDocRefMap (single-threaded) | " +
            String.format(java.util.Locale.ROOT, "%,d", splits) + " |"), table);
        assertTrue(!table.contains("| fastutil Long2LongOpenHashMap | " + "0 |"), table);

        // The worst puts: as many as asked, largest first, the first one the histogram's max, indices in range.
        final String[] worstPuts = docref.get("worstPuts").split(";");
        assertEquals(GrowthPauseHarness.WORST_PUTS, worstPuts.length, docref.get("worstPuts"));
        long previous = Long.MAX_VALUE;
        for (final String item : worstPuts)
        {
            final long latency = Long.parseLong(item.substring(0, item.indexOf('@')));
            final long index = Long.parseLong(item.substring(item.indexOf('#') + 1));
            assertTrue(latency <= previous && index >= 0 && index < 200_000, item);
            previous = latency;
        }
        final long firstLatency = Long.parseLong(worstPuts[0].substring(0, worstPuts[0].indexOf('@')));
        assertTrue(Math.abs(worst - firstLatency) <= worst / 1000, worst + " against " + firstLatency);
        assertTrue(table.contains("Worst puts, largest first") &&
            table.contains("* fastutil Long2LongOpenHashMap: ") && table.contains("(put #"), table);

        // Each worst put's end on the machine-wide clock, inside the measured window, for the machine-stall meter.
        final String[] ends = docref.get("worstPutsEndNanoTime").split(";");
        assertEquals(worstPuts.length, ends.length, docref.toString());
        final long from = Long.parseLong(docref.get("measureFromNanoTime"));
        final long to = Long.parseLong(docref.get("measureToNanoTime"));
        assertEquals(Long.parseLong(docref.get("totalNs")), to - from);
        for (final String end : ends)
        {
            assertTrue(Long.parseLong(end) > from && Long.parseLong(end) <= to, end + " outside " + from + ".." + to);
        }
    }

    @Test
    void withTheMeterTheChildReportsWhatItsWriterWaitedForAroundEachWorstPut() throws Exception
    {
        assumeTrue(MachineStalls.unsupportedReason() == null, MachineStalls.unsupportedReason());
        final GrowthPauseHarness.Options options =
            GrowthPauseHarness.Options.parse(new String[] {"--entries", "100000", "--machine-stalls"});
        assertTrue(options.machineStalls);
        final Map<String, String> child =
            GrowthPauseHarness.parse(GrowthPauseHarness.runChild(LongMap.Kind.PRESIZED, options));
        final int ranks = child.get("worstPuts").split(";").length;
        assertEquals(ranks, child.get("worstPutsWaited").split(";").length, child.toString());
        assertEquals(ranks, child.get("worstPutsBlocked").split(";").length, child.toString());
        for (final String waited : child.get("worstPutsWaited").split(";"))
        {
            assertTrue(Long.parseLong(waited) >= 0, child.toString());
        }
    }

    @Test
    void theMachineStallsInsideEachWorstPutAreReportedBesideIt()
    {
        final long ms = 1_000_000L;
        // Two worst puts: 20 ms ending at 1,000 ms, 3 ms ending at 2,000 ms; the machine stalled 12 ms inside the
        // first (unseen part [985, 997] ms) and nothing inside the second; one more stall outside the window.
        final Map<String, String> result = GrowthPauseHarness.parse("kind=PRESIZED entries=1000 max=" + 20 * ms +
            " worstPuts=" + 20 * ms + "@5000000000#7;" + 3 * ms + "@6000000000#9 worstPutsEndNanoTime=" + 1_000 * ms +
            ";" + 2_000 * ms + " measureFromNanoTime=" + 500 * ms + " measureToNanoTime=" + 2_500 * ms);
        final MachineStalls stalls = MachineStalls.of(List.of(new MachineStalls.Stall(997 * ms, 13 * ms, 12 * ms),
            new MachineStalls.Stall(1_500 * ms, 2 * ms, 0), new MachineStalls.Stall(3_000 * ms, 9 * ms, 9 * ms)));
        GrowthPauseHarness.addMachineStalls(result, stalls);
        assertEquals("2", result.get("stallLate"));
        assertEquals("1", result.get("stallUnseen1ms"));
        assertEquals("1", result.get("stallUnseen5ms"));
        assertEquals(Long.toString(12 * ms), result.get("stallLongestUnseen"));
        assertEquals(12 * ms + ";0", result.get("worstPutsStalled"));

        final String table = GrowthPauseHarness.machineStallsTable(List.of(result)) +
            GrowthPauseHarness.worstPuts(List.of(result));
        assertTrue(table.contains("| docref PresizedDocRefMap | 2 | 1 | 1 | 12.000 ms | 20.000 ms |"), table);
        assertTrue(table.contains("Meter: 0 meter threads (not pinned"),
            "a meter of recorded stalls only ran no threads: " + table);
        assertTrue(table.contains("20.000 ms at 5.000 s (put #7; machine stalled 12.000 ms of it), " +
            "3.000 ms at 6.000 s (put #9; no machine stall)"), table);

        // With the writer's own scheduler figures from the child.
        result.put("worstPutsWaited", 5 * ms + ";0");
        result.put("worstPutsBlocked", "0;" + 2 * ms);
        final String withWriter = GrowthPauseHarness.worstPuts(List.of(result));
        assertTrue(withWriter.contains("(put #7; machine stalled 12.000 ms of it, waited 5.000 ms for a CPU, " +
            "blocked 0.000 ms), 3.000 ms at 6.000 s (put #9; no machine stall, waited 0.000 ms for a CPU, " +
            "blocked 2.000 ms)"), withWriter);

        // Reader mode: the readers' worst get beside the writer's worst put.
        final Map<String, String> readers = row("PRESIZED", "none", 7 * ms, 3_000 * ms);
        readers.put("measureFromNanoTime", Long.toString(500 * ms));
        readers.put("measureToNanoTime", Long.toString(3_500 * ms));
        // The worst get: 7 ms ending at 3,000 ms, inside the 9 ms unseen stall [2,991, 3,000] ms.
        readers.put("worstGet", Long.toString(7 * ms));
        readers.put("worstGetEndNanoTime", Long.toString(3_000 * ms));
        GrowthPauseHarness.addMachineStalls(readers, stalls);
        final String readersTable = GrowthPauseHarness.machineStallsTable(List.of(readers));
        assertTrue(readersTable.contains("| Worst put | Worst get |") && readersTable.contains(
            "| docref PresizedDocRefMap | 3 | 2 | 2 | 12.000 ms | 0.005 ms | " +
            "7.000 ms (machine stalled 7.000 ms of it) |"), readersTable);
        readers.put("worstGetWaited", Long.toString(2 * ms));
        readers.put("worstGetBlocked", "0");
        assertTrue(GrowthPauseHarness.machineStallsTable(List.of(readers)).contains(
            "7.000 ms (machine stalled 7.000 ms of it, waited 2.000 ms for a CPU, blocked 0.000 ms) |"), readersTable);

        final Map<String, String> failed = GrowthPauseHarness.parse("kind=FASTUTIL error=boom");
        GrowthPauseHarness.addMachineStalls(failed, stalls);
        assertTrue(!failed.containsKey("stallLate"), "a failed child gets no stall figures: " + failed);
        assertEquals("", GrowthPauseHarness.machineStallsTable(List.of(failed)), "no table without the meter");
    }

    @Test
    void theMachineStallsTableSaysHowManyOfHowManyCpusTheMeterCovered()
    {
        final Map<String, String> result = GrowthPauseHarness.parse("kind=PRESIZED entries=1000 max=3000000 " +
            "measureFromNanoTime=0 measureToNanoTime=1000000000");
        GrowthPauseHarness.addMachineStalls(result, MachineStalls.of(List.of()));
        // What a meter on a 96-CPU machine leaves: MachineStalls.start() pins at most 64 threads, one to each CPU.
        result.put("stallMeterPinned", "true");
        result.put("stallMeterThreads", "64");
        result.put("stallMeterCpus", "96");
        final String table = GrowthPauseHarness.machineStallsTable(List.of(result));
        assertTrue(table.contains("Meter: 64 meter threads (one pinned to each of 64 of the 96 CPUs this process may " +
            "use, the meter's most, so a stall of another CPU may go unseen)."), table);
        assertTrue(!table.contains("each CPU."), "32 CPUs had no meter thread: " + table);
    }

    private static Map<String, String> row(final String kind, final String locking, final long worstGet,
        final long totalNs)
    {
        return GrowthPauseHarness.parse("kind=" + kind + " mode=readers readers=2 locking=" + locking +
            " entries=1000 gets=1234 getP50=100 getP99=200 getP999=300 getP9999=400 getMax=" + worstGet +
            " getsOver1ms=3 getMaxPerReader=" + worstGet + ",1500000 totalNs=" + totalNs + " max=5000 p9999=4000");
    }

    @Test
    void badModeOrReaderCountIsRejectedNamingTheValue()
    {
        final IllegalArgumentException mode = assertThrows(IllegalArgumentException.class,
            () -> GrowthPauseHarness.Options.parse(new String[] {"--mode", "gets"}));
        assertTrue(mode.getMessage().contains("'gets'") && mode.getMessage().contains("readers"), mode.getMessage());
        final IllegalArgumentException readers = assertThrows(IllegalArgumentException.class,
            () -> GrowthPauseHarness.Options.parse(new String[] {"--readers", "0"}));
        assertTrue(readers.getMessage().contains("--readers") && readers.getMessage().contains("0"),
            readers.getMessage());
        assertEquals(2, GrowthPauseHarness.Options.parse(new String[] {"--mode", "readers"}).readers);
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "--entries 0; --entries must be a whole number from 1 to 2147483639 but was '0'; e.g. --entries 10000000",
        "--entries -5; --entries must be a whole number from 1 to 2147483639 but was '-5'; e.g. --entries",
        "--entries 2147483640; from 1 to 2147483639 but was '2147483640'; ScaleHarness",
        "--entries 99999999999999999999; from 1 to 2147483639 but was '99999999999999999999'; ScaleHarness",
        "--mode readers --readers 0; --readers must be a whole number from 1 to 1024 but was '0'; e.g. --readers 2",
        "--mode readers --readers 1025; --readers must be a whole number from 1 to 1024 but was '1025'; e.g."})
    void aCountOutsideItsLimitsIsRefusedNamingTheValueBothLimitsAndAFix(final String args, final String expected)
    {
        final IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
            () -> GrowthPauseHarness.Options.parse(args.split(" ")));
        for (final String part : expected.split("; "))
        {
            assertTrue(error.getMessage().contains(part.trim()), "'" + part + "' in: " + error.getMessage());
        }
        assertEquals(1, GrowthPauseHarness.Options.parse(new String[] {"--entries", "1"}).entries);
        assertEquals(GrowthPauseHarness.MAX_ENTRIES, GrowthPauseHarness.Options.parse(
            new String[] {"--entries", "2147483639", "--maps", "presized"}).entries);
        assertEquals(1024, GrowthPauseHarness.Options.parse("--mode readers --readers 1024".split(" ")).readers);
    }

    @Test
    void aSeedThatIsNotAWholeNumberIsRejectedNamingTheFlag()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> GrowthPauseHarness.Options.parse(new String[] {"--seed", "abc"}));
        assertTrue(ex.getMessage().contains("--seed") && ex.getMessage().contains("'abc'") &&
            ex.getMessage().contains("whole number from -9223372036854775808"), ex.getMessage());
        assertEquals(-7, GrowthPauseHarness.Options.parse(new String[] {"--seed", "-7"}).seed);
    }

    @Test
    void aReaderCountWithoutReaderModeIsRejectedSayingToAddIt()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> GrowthPauseHarness.Options.parse(new String[] {"--readers", "3", "--entries", "1000"}));
        assertTrue(ex.getMessage().contains("--readers 3") && ex.getMessage().contains("add --mode readers"),
            ex.getMessage());
        assertThrows(IllegalArgumentException.class,
            () -> GrowthPauseHarness.Options.parse(new String[] {"--mode", "puts", "--readers", "3"}));
        assertEquals(3, GrowthPauseHarness.Options.parse(new String[] {"--readers", "3", "--mode", "readers"})
            .readers, "in either order");
    }

    @ParameterizedTest
    @ValueSource(strings = {"banana", "0", "0g", "16x", "-1g", "1.5g", "99999999999999999999g"})
    void aChildHeapTheJvmWouldRefuseIsRejectedBeforeAnyChildStarts(final String heap)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> GrowthPauseHarness.Options.parse(new String[] {"--child-heap", heap}));
        assertTrue(ex.getMessage().contains("--child-heap") && ex.getMessage().contains("'" + heap + "'") &&
            ex.getMessage().contains("-Xmx") && ex.getMessage().contains("such as 4g"), ex.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"16g", "512m", "1G", "4096k", "2147483648"})
    void aChildHeapAsXmxTakesItIsPassedOn(final String heap)
    {
        assertEquals(heap, GrowthPauseHarness.Options.parse(
            new String[] {"--child-heap", heap, "--entries", "1000"}).childHeap);
    }

    @Test
    void moreEntriesThanOneKeyArrayHoldsAreRejectedBeforeAnyChildStarts()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> GrowthPauseHarness.Options.parse(new String[] {"--entries", "2147483640"}));
        assertTrue(ex.getMessage().contains("--entries") && ex.getMessage().contains("2147483640") &&
            ex.getMessage().contains("1 to 2147483639") && ex.getMessage().contains("ScaleHarness"), ex.getMessage());
        assertEquals(2_147_483_639L, GrowthPauseHarness.Options.parse(
            new String[] {"--entries", "2147483639", "--maps", "presized"}).entries);
    }

    /** The child used to start, warm up and run out of memory ("child JVM exited 1") after 17 s. */
    @Test
    void aChildHeapBelowWhatAMapsChildMustHoldIsRefusedBeforeAnyChildStarts()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> GrowthPauseHarness.Options.parse(new String[] {"--maps", "presized,hashmap", "--entries",
                "3000000", "--child-heap", "128m"}));
        assertTrue(ex.getMessage().startsWith("--child-heap 128m is too small for java.util.HashMap<Long,Long> at " +
            "--entries 3,000,000: its child holds at least ") && ex.getMessage().contains("22.89 MiB key array") &&
            ex.getMessage().contains("pass --child-heap 1g or more") && ex.getMessage().contains("leave hashmap out"),
            ex.getMessage());
        // Each piece of the floor: the key array, and for java.util.HashMap at least 80 bytes an entry.
        final long floor = GrowthPauseHarness.Options.minChildHeapBytes(LongMap.Kind.HASHMAP, 3_000_000, false);
        assertTrue(floor >= 8L * 3_000_000 + 80L * 3_000_000 && floor > 128L << 20, "floor " + floor);
        // docref's maps are off-heap: the same heap holds their key array.
        assertEquals(List.of(LongMap.Kind.PRESIZED), GrowthPauseHarness.Options.parse(new String[] {"--maps",
            "presized", "--entries", "3000000", "--child-heap", "128m"}).maps);
        // The fix it names parses, and the defaults (every map, 58.7M entries, 16g) are not refused.
        assertEquals("1g", GrowthPauseHarness.Options.parse(new String[] {"--maps", "presized,hashmap",
            "--entries", "3000000", "--child-heap", "1g"}).childHeap);
        GrowthPauseHarness.Options.parse(new String[0]);
    }

    @ParameterizedTest
    @CsvSource({"FASTUTIL, false, 48", "FASTUTIL, true, 32", "HPPC, false, 21", "AGRONA, false, 24",
        "ECLIPSE, false, 16", "PRESIZED, false, 0", "PRESIZED_ST, true, 0"})
    void eachMapsHeapFloorIsItsKeyArrayAndAtLeastItsTable(final LongMap.Kind kind, final boolean presized,
        final long tableBytesPerEntryAtLeast)
    {
        // 1,000,000 keys: fastutil's table is 2^21 slots at 0.75, 16 bytes each, and a grown one held 2^20 more.
        final long entries = 1_000_000;
        final long floor = GrowthPauseHarness.Options.minChildHeapBytes(kind, entries, presized);
        assertTrue(floor >= Keys.arrayBytes(entries) + tableBytesPerEntryAtLeast * entries,
            kind + " floor " + floor);
        assertTrue(floor <= Keys.arrayBytes(entries) + 51L * entries, kind + " floor " +
            floor);
    }

    @Test
    void theHarnessExitsWithStatusOneWhenAChildFailsAfterPrintingTheTable(@TempDir final Path dir) throws Exception
    {
        // A JVM option the child's java refuses: the child exits 1 at once, before any map is built.
        final Harness failed = runHarness(dir, "--entries", "1000", "--maps", "fastutil", "--child-heap", "64m",
            "--jvm-arg", "-XX:+NoSuchDocrefTestOption");
        assertEquals(1, failed.exitValue, failed.toString());
        assertTrue(failed.out.contains("| fastutil Long2LongOpenHashMap | child JVM exited 1"), failed.toString());
        assertTrue(failed.err.contains("1 of 1 child JVMs failed"), failed.toString());
    }

    /** What the harness's {@code main}, run in a JVM of its own with this class path, printed and returned. */
    private static Harness runHarness(final Path dir, final String... args) throws Exception
    {
        final List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin",
            "java").toString(), "-cp", System.getProperty("java.class.path"), GrowthPauseHarness.class.getName()));
        command.addAll(List.of(args));
        final File out = dir.resolve("harness.out").toFile();
        final File err = dir.resolve("harness.err").toFile();
        final Process process = new ProcessBuilder(command).redirectOutput(out).redirectError(err).start();
        // Not a timing: a hung harness fails the test rather than hanging the build.
        if (!process.waitFor(5, TimeUnit.MINUTES))
        {
            process.destroyForcibly().waitFor();
            throw new AssertionError("the harness did not exit: " + command);
        }
        return new Harness(process.exitValue(), Files.readString(out.toPath(), StandardCharsets.UTF_8),
            Files.readString(err.toPath(), StandardCharsets.UTF_8));
    }

    private record Harness(int exitValue, String out, String err)
    {
        @Override
        public String toString()
        {
            return "exit " + exitValue + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    @Test
    void theUsageListsEveryMapTheDefaultRuns()
    {
        for (final LongMap.Kind kind : LongMap.Kind.values())
        {
            assertTrue(GrowthPauseHarness.Options.USAGE.contains(kind.id() + ",") ||
                GrowthPauseHarness.Options.USAGE.contains(kind.id() + "]"), kind + " in\n" +
                GrowthPauseHarness.Options.USAGE);
        }
        assertTrue(GrowthPauseHarness.Options.USAGE.contains("(default: all " + LongMap.Kind.values().length + ")"),
            GrowthPauseHarness.Options.USAGE);
        assertEquals(List.of(LongMap.Kind.values()), GrowthPauseHarness.Options.parse(new String[0]).maps);
    }
}
