package dev.docref.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import dev.docref.guard.ResizeForecast;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The demo's command line: its defaults and the numbers they stand for, and how it refuses bad arguments. */
class IncidentReplayArgumentsTest
{
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(final List<String> args)
    {
        return IncidentReplay.run(args.toArray(new String[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    static Stream<Arguments> badArguments()
    {
        return Stream.of(
            Arguments.of(List.of("--bogus"), "unknown argument '--bogus'; the options are --entries, --maps, " +
                "--query-threads, --queries-per-second, --guard-limit, --capture-duration, --arming-delay, --out, " +
                "--seed, --help"),
            Arguments.of(List.of("-entries", "5000"), "unknown argument '-entries'; options start with two dashes: " +
                "--entries"),
            Arguments.of(List.of("5000"), "unknown argument '5000': a value goes right after its option, as in " +
                "--entries 5000 or --entries=5000"),
            Arguments.of(List.of("--entries"), "--entries needs a value and is the last argument; write --entries N " +
                "or --entries=N"),
            Arguments.of(List.of("--out", "--maps", "docref"), "--out needs a value, but the next argument is " +
                "'--maps'; write --out DIR or --out=DIR"),
            Arguments.of(List.of("--entries="), "'--entries=' gives --entries an empty value; write --entries N or " +
                "--entries=N"),
            Arguments.of(List.of("--help=yes"), "'--help=yes': --help takes no value; write --help alone"),
            Arguments.of(List.of("--entries", "12x"), "--entries '12x' is not a whole number; accepted: 1,000 to " +
                "2,147,483,639"),
            Arguments.of(List.of("--entries=12x"), "--entries '12x' is not a whole number"),
            Arguments.of(List.of("--entries", "10"), "--entries 10 is out of range; accepted: 1,000 to"),
            Arguments.of(List.of("--entries", "5000", "--entries", "6000"), "--entries is given twice ('5000', then " +
                "'6000'); give it once"),
            Arguments.of(List.of("--entries=5000", "--entries", "6000"), "--entries is given twice"),
            Arguments.of(List.of("--maps", "hashmap,treemap"), "--maps: unknown map 'treemap'; accepted: hashmap"),
            Arguments.of(List.of("--maps", "docref,docref"), "--maps 'docref,docref' lists 'docref' twice; list " +
                "each map once"),
            Arguments.of(List.of("--maps", "docref,"), "--maps 'docref,' has an empty name; write the names " +
                "separated by single commas"),
            Arguments.of(List.of("--query-threads", "0"), "--query-threads 0 is out of range; accepted: 1 to 64"),
            Arguments.of(List.of("--queries-per-second", "5000000"), "the most is one query a microsecond"),
            Arguments.of(List.of("--guard-limit", "64MB"), "--guard-limit '64MB' has an unknown unit \"mb\"; " +
                "accepted: a whole number of bytes"),
            Arguments.of(List.of("--capture-duration", "1500ms"), "--capture-duration 1500ms is not whole seconds"),
            Arguments.of(List.of("--capture-duration", "2h"), "--capture-duration 2h is out of range; accepted: 1s " +
                "to 600s"),
            Arguments.of(List.of("--arming-delay", "soon"), "--arming-delay 'soon' is not a duration; accepted: a " +
                "whole number with a unit"),
            Arguments.of(List.of("--arming-delay", "11s"), "--arming-delay 11s is out of range; accepted: 0s to " +
                "10s"),
            Arguments.of(List.of("--seed", "0x5"), "--seed '0x5' is not a whole number; accepted: any 64-bit whole " +
                "number"));
    }

    @ParameterizedTest
    @MethodSource("badArguments")
    void invalidArgumentsPrintTheProblemAndUsageAndReturn2(final List<String> args, final String problem)
    {
        assertEquals(2, run(args));
        final String printed = err.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains(problem), "expected \"" + problem + "\" in:\n" + printed);
        assertTrue(printed.contains(ReplayOptions.USAGE), printed);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    static Stream<Arguments> everyOptionWithAValue()
    {
        return Stream.of(
            Arguments.of("--entries", "5000"),
            Arguments.of("--maps", "docref,hashmap"),
            Arguments.of("--query-threads", "3"),
            Arguments.of("--queries-per-second", "3000"),
            Arguments.of("--guard-limit", "1MiB"),
            Arguments.of("--capture-duration", "5s"),
            Arguments.of("--arming-delay", "0ms"),
            Arguments.of("--out", "some-dir"),
            Arguments.of("--seed", "-5"));
    }

    @ParameterizedTest
    @MethodSource("everyOptionWithAValue")
    void everyOptionTakesItsValueAfterAnEqualsSignAsWellAsAfterASpace(final String option, final String value)
    {
        final ReplayOptions spaced = ReplayOptions.parse(new String[] { option, value });
        final ReplayOptions joined = ReplayOptions.parse(new String[] { option + "=" + value });
        assertEquals(describe(spaced), describe(joined));
        assertFalse(describe(spaced).equals(describe(ReplayOptions.parse(new String[0]))),
            option + " " + value + " changed nothing: pick a value other than the default");
    }

    @Test
    void everyOptionOfTheUsageIsParsedAndEveryParsedOptionIsInTheUsage()
    {
        for (final String option : ReplayOptions.OPTIONS.keySet())
        {
            assertTrue(ReplayOptions.USAGE.contains("  " + option + " "), option + " is not in the usage");
        }
        assertEquals(ReplayOptions.OPTIONS.size() - 1, everyOptionWithAValue().count(),
            "every option but --help takes a value");
    }

    @Test
    void outThatIsAnExistingFileIsRefusedBeforeTheReplayStarts(@TempDir final Path dir) throws IOException
    {
        final Path file = Files.writeString(dir.resolve("report.txt"), "not a directory");
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
            () -> ReplayOptions.parse(new String[] { "--out", file.toString() }));
        assertEquals("--out '" + file + "' is an existing file, not a directory; the demo writes its report and " +
            "captures into a directory, so give one, new or existing, e.g. --out incident-replay",
            refused.getMessage());
        final IllegalArgumentException under = assertThrows(IllegalArgumentException.class,
            () -> ReplayOptions.parse(new String[] { "--out=" + file.resolve("sub") }));
        assertTrue(under.getMessage().startsWith("--out '" + file.resolve("sub") + "' cannot be created: " + file +
            " is a file, not a directory"), under.getMessage());
        // Through the command line: exit 2 with the usage, nothing run (the old code ran the replay and failed
        // with a stack trace and exit 1 when it came to write the report).
        assertEquals(2, run(List.of("--entries", "1000", "--maps", "docref", "--out", file.toString())));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("incident-replay: --out '" + file + "' is an " +
            "existing file"), err.toString(StandardCharsets.UTF_8));
        assertEquals("", out.toString(StandardCharsets.UTF_8));
        assertEquals("not a directory", Files.readString(file));
    }

    @Test
    void outThatIsANewOrExistingDirectoryIsAccepted(@TempDir final Path dir)
    {
        assertEquals(dir, ReplayOptions.parse(new String[] { "--out", dir.toString() }).out);
        assertEquals(dir.resolve("a/b"), ReplayOptions.parse(new String[] { "--out=" + dir.resolve("a/b") }).out);
    }

    /** @return every option's parsed value, to compare two parses. */
    private static String describe(final ReplayOptions options)
    {
        return List.of(options.entries, options.maps, options.queryThreads, options.queriesPerSecond,
            options.guardLimit(), options.captureDuration(), options.armingDelay, options.out, options.seed,
            options.help).toString();
    }

    @Test
    void helpPrintsUsageAndReturns0()
    {
        assertEquals(0, run(List.of("--help")));
        assertTrue(out.toString(StandardCharsets.UTF_8)
            .contains("usage: java -jar examples/target/incident-replay.jar"));
    }

    @Test
    void invalidArgumentsExitTheJvmWithStatus2(@TempDir final Path dir) throws IOException, InterruptedException
    {
        final ChildJvm refused = ChildJvm.run(dir, dir, Duration.ofSeconds(60), IncidentReplay.class, "--entries",
            "lots");
        assertEquals(2, refused.exitValue(), refused.toString());
        assertEquals("", refused.out());
        assertTrue(refused.err().startsWith("incident-replay: --entries 'lots' is not a whole number") &&
            refused.err().contains("usage:"), refused.err());
    }

    /**
     * A bad {@code docref.trap.*} system property is refused by the trap when the first measured phase starts it: the
     * demo ends with that refusal, one line, and status 1; the old code printed it with a stack trace.
     */
    @Test
    void aBadTrapPropertyEndsTheReplayWithOneLineAndStatus1(@TempDir final Path dir)
        throws IOException, InterruptedException
    {
        final ChildJvm refused = ChildJvm.run(dir, dir, Duration.ofSeconds(60),
            List.of("-Ddocref.trap.capture.duration=soon"), IncidentReplay.class, "--entries", "1000", "--maps",
            "docref", "--guard-limit", "1GiB", "--out", dir.resolve("report").toString());
        assertEquals(1, refused.exitValue(), refused.toString());
        assertTrue(refused.err().lines().anyMatch(line -> line.startsWith("incident-replay: " +
            "docref.trap.capture.duration = \"soon\" is not a duration; accepted: ")), refused.err());
        assertFalse(refused.err().contains("\tat ") || refused.err().contains("Exception"), refused.err());
    }

    @Test
    void defaultScaleIsOnePastTheThresholdWhereBothDoublingMapsGoTo2To24Slots()
    {
        final long before = ReplayOptions.DEFAULT_ENTRIES - 1;
        final ResizeForecast hashMap = ResizeForecast.hashMap(before, true);
        final ResizeForecast fastutil = ResizeForecast.openAddressing(before, 8, 8, 0.75);
        assertEquals(1, hashMap.insertsUntilResize());
        assertEquals(1L << 24, hashMap.nextSlots());
        assertEquals(1, fastutil.insertsUntilResize());
        assertEquals(1L << 24, fastutil.nextSlots());
        // Both last resizes cross the default guard limit, so the guard warns before each.
        final long limit = ReplayOptions.parse(new String[0]).guardLimit();
        assertEquals(64L << 20, limit);
        assertEquals(limit + 16, hashMap.nextResizeBytes());
        // checkResize counts fastutil's resizes whole, both arrays: its last three cross the limit, each by 48 bytes
        // over 4, 2 and 1 times it, so the guard warns before those three, the third though each of its arrays is
        // under the limit; the one before them does not cross it.
        long size = before;
        for (final long times : new long[] { 4, 2, 1 })
        {
            final ResizeForecast resize = ResizeForecast.openAddressing(size, 8, 8, 0.75);
            assertEquals(1, resize.insertsUntilResize());
            assertEquals(times * limit + 48, resize.nextResizeBytes(), resize::toString);
            assertEquals(2, resize.nextResizeAllocations());
            assertEquals(times * limit / 2 + 24, resize.nextResizeLargestAllocationBytes(), resize::toString);
            size /= 2;
        }
        assertTrue(ResizeForecast.openAddressing(size, 8, 8, 0.75).nextResizeBytes() < limit);
        // And --entries 58720257 is one past the incident's own 7/8 * 2^26 threshold.
        assertEquals(1, ResizeForecast.hashbrown(ReplayOptions.INCIDENT_ENTRIES - 1, 24).insertsUntilResize());
    }

    @Test
    void guardLimitIsJustUnderHashMapsLastTableUnlessGiven()
    {
        final ReplayOptions incident = ReplayOptions.parse(new String[] { "--entries", "58720257" });
        assertEquals(512L << 20, incident.guardLimit());
        // HashMap's last doubling on the way to 58,720,257 keys: past 0.75 * 2^26 = 50,331,648 entries, to 2^27 slots.
        final ResizeForecast last = ResizeForecast.hashMap(50_331_648, true);
        assertEquals(1, last.insertsUntilResize());
        assertEquals(1L << 27, last.nextSlots());
        assertTrue(last.resizeAtSize() <= ReplayOptions.INCIDENT_ENTRIES);
        assertEquals(incident.guardLimit() + 16, last.nextResizeBytes());
        assertEquals(1L << 20, ReplayOptions.parse(new String[] { "--guard-limit", "1MiB" }).guardLimit());
    }

    @Test
    void guardLineSaysWhereTheLimitCameFromAndNeverCallsAGivenOrRaisedLimitLowered()
    {
        final String given =
            IncidentReplay.describeGuard(ReplayOptions.parse(new String[] { "--guard-limit", "2GiB" }));
        assertEquals("allocation guard: WARN mode, single-allocation limit 2.00 GiB (--guard-limit; the guard's own " +
            "default is 1 GiB)", given);
        // Past 0.75 * 2^28 entries HashMap's last table is 2^29 slots: the scaled limit, 2 GiB, is over the default.
        final String scaled =
            IncidentReplay.describeGuard(ReplayOptions.parse(new String[] { "--entries", "300000000" }));
        assertEquals("allocation guard: WARN mode, single-allocation limit 2.00 GiB (scaled with --entries: 4 bytes " +
            "per slot of HashMap's last table, so that this scale's last doublings cross it; the guard's own default " +
            "is 1 GiB)", scaled);
    }

    @Test
    void captureWindowGrowsWithTheEntriesUnlessGiven()
    {
        assertEquals(Duration.ofSeconds(3), ReplayOptions.parse(new String[0]).captureDuration());
        assertEquals(Duration.ofSeconds(24),
            ReplayOptions.parse(new String[] { "--entries", "58720257" }).captureDuration());
        assertEquals(Duration.ofSeconds(7), ReplayOptions.parse(new String[] { "--entries", "58720257",
            "--capture-duration", "7s" }).captureDuration());
    }

    @Test
    void aHeapTooSmallForTheScaleIsRefusedWithTheFlagToUse()
    {
        final ReplayOptions incident = ReplayOptions.parse(new String[] { "--entries", "58720257" });
        final String problem = HeapBudget.problem(incident, HeapBudget.Heap.g1(1L << 30), 0);
        assertTrue(problem != null && problem.contains("needs about") && problem.contains("java -Xmx"), problem);
        assertNull(HeapBudget.problem(incident, HeapBudget.Heap.g1(12L << 30), 0));
        assertNull(HeapBudget.problem(ReplayOptions.parse(new String[0]), HeapBudget.Heap.g1(1L << 30), 0));
        assertNull(HeapBudget.problem(ReplayOptions.parse(new String[] { "--entries", "58720257", "--maps",
            "docref" }), HeapBudget.Heap.g1(1L << 30), 0));
    }

    /**
     * The advice names one -Xmx, on G1 the estimate rounded up to a whole GiB, says what the estimate is made of, and
     * gives the command with the user's own arguments. The old advice doubled the estimate without saying so
     * (-Xmx14g at the incident's scale, where the docs say 12g and 7g passes the check) and wrote "...".
     */
    @Test
    void heapAdviceNamesTheXmxThatPassesTheCheckWhyAndTheCommandToRun()
    {
        final ReplayOptions incident = ReplayOptions.parse(new String[] { "--entries=58720257", "--seed", "7" });
        final long needed = HeapBudget.needed(incident);
        assertEquals(7, (needed + (1L << 30) - 1) >> 30, "about 6.9 GiB: " + needed);
        final String problem = HeapBudget.problem(incident, HeapBudget.Heap.g1(1L << 30), 0);
        assertTrue(problem.startsWith("--entries 58,720,257 with --maps hashmap,fastutil,docref needs about 6."),
            problem);
        assertTrue(problem.contains("and this JVM's maximum is 1.00 GiB. The estimate: the keys, 448.00 MiB (8 " +
            "bytes each); java.util.HashMap at its last doubling, "), problem);
        assertTrue(problem.contains("(80 bytes per entry in nodes and Long boxes, and its old and new tables); a " +
            "quarter of that for the collector, "), problem);
        assertTrue(problem.contains("; 64.00 MiB for the rest (JFR, histograms). Run it with -Xmx7g, the estimate " +
            "rounded up to a whole GiB: java -Xmx7g -jar examples/target/incident-replay.jar --entries=58720257 " +
            "--seed 7. Or, in this heap, at most --entries "), problem);
        assertTrue(problem.endsWith(" with these maps; or docref alone, --maps docref, which needs about " +
            "512.00 MiB."), problem);
        // What it advises is what the check accepts, and no less would do.
        assertNull(HeapBudget.problem(incident, HeapBudget.Heap.g1(7L << 30), 0));
        assertTrue(HeapBudget.problem(incident, HeapBudget.Heap.g1(6L << 30), 0) != null);
        // The fewer entries it offers fit this heap, and one more would not.
        final String most = problem.substring(problem.indexOf("at most --entries ") + "at most --entries ".length());
        final long fits = Long.parseLong(most.substring(0, most.indexOf(' ')));
        assertNull(HeapBudget.problem(ReplayOptions.parse(new String[] { "--entries", Long.toString(fits) }),
            HeapBudget.Heap.g1(1L << 30), 0));
        assertTrue(HeapBudget.problem(ReplayOptions.parse(new String[] { "--entries", Long.toString(fits + 1) }),
            HeapBudget.Heap.g1(1L << 30), 0) != null);
    }

    static Stream<Arguments> collectorsThatKeepPartOfTheXmxBack()
    {
        // Runtime.maxMemory() with -Xmx7g and with -Xmx8g, measured on JDK 17: a survivor space is not in it.
        return Stream.of(
            Arguments.of("Serial", 7_265_714_176L, 8_303_607_808L, "96.7%"),
            Arguments.of("Parallel", 6_681_526_272L, 7_635_730_432L, "88.9%"));
    }

    /**
     * Runtime.maxMemory() is the -Xmx only on G1. The old advice was the estimate rounded up to a whole GiB whatever
     * the collector: -Xmx7g at the incident's scale, which Serial (a one-CPU machine's default) and Parallel refuse.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("collectorsThatKeepPartOfTheXmxBack")
    void heapAdviceOffG1AllowsForTheHeapItsCollectorKeepsBackAndSuggestsG1(final String collector,
        final long maxMemoryAt7g, final long maxMemoryAt8g, final String share)
    {
        final ReplayOptions incident = ReplayOptions.parse(new String[] { "--entries", "58720257" });
        final long needed = HeapBudget.needed(incident);
        assertEquals(7_415_529_580L, needed);
        final HeapBudget.Heap at7g = new HeapBudget.Heap(maxMemoryAt7g, 7L << 30, false);
        assertEquals(7, HeapBudget.advisedXmxGiB(needed, HeapBudget.Heap.g1(7L << 30)));
        assertEquals(8, HeapBudget.advisedXmxGiB(needed, at7g), collector);
        final String problem = HeapBudget.problem(incident, at7g, 0);
        assertTrue(problem.contains(" Run it with -Xmx8g, the estimate divided by " + share + " (this JVM's " +
            "maximum is that share of its -Xmx) and rounded up to a whole GiB: java -Xmx8g -jar " +
            "examples/target/incident-replay.jar --entries 58720257. Or, in this heap, at most --entries "), problem);
        assertTrue(problem.endsWith(". This JVM does not use G1, which the demo is sized for (on Serial and " +
            "Parallel a large array must also fit the old generation): add -XX:+UseG1GC."), problem);
        // What it advises is what the check accepts on this collector.
        assertNull(HeapBudget.problem(incident, new HeapBudget.Heap(maxMemoryAt8g, 8L << 30, false), 0));
        assertFalse(HeapBudget.problem(incident, HeapBudget.Heap.g1(1L << 30), 0).contains("G1"));
    }

    /** This JVM's heap as the demo reads it, in JVMs of their own: 1 GiB refuses the incident's scale on any. */
    @ParameterizedTest
    @MethodSource("childCollectors")
    void heapAdviceReadsTheRunningJvmsCollectorAndXmx(final String collector, final String xmx,
        @TempDir final Path dir) throws IOException, InterruptedException
    {
        final ChildJvm refused = ChildJvm.run(dir, dir, Duration.ofSeconds(60), List.of("-XX:+Use" + collector +
            "GC", "-Xmx1g"), IncidentReplay.class, "--entries", "58720257", "--out", dir.toString());
        assertEquals(2, refused.exitValue(), refused.toString());
        assertTrue(refused.err().contains("java -Xmx" + xmx + " -jar"), refused.err());
        assertEquals(!"G1".equals(collector), refused.err().contains("add -XX:+UseG1GC."), refused.err());
    }

    static Stream<Arguments> childCollectors()
    {
        return Stream.of(Arguments.of("G1", "7g"), Arguments.of("Serial", "8g"), Arguments.of("Parallel", "8g"));
    }

    @Test
    void heapAdviceForDocrefAloneDoesNotOfferDocrefAloneAndSaysWhenTheMachineIsTooSmall()
    {
        final ReplayOptions docref = ReplayOptions.parse(new String[] { "--entries", "2000000000", "--maps",
            "docref", "--out", "it's here" });
        final String problem = HeapBudget.problem(docref, HeapBudget.Heap.g1(1L << 30), 8L << 30);
        assertTrue(problem.startsWith("--entries 2,000,000,000 with --maps docref needs about 14.96 GiB of heap, and " +
            "this JVM's maximum is 1.00 GiB. The estimate: the keys, 14.90 GiB (8 bytes each); 64.00 MiB for the " +
            "rest (JFR, histograms). Run it with -Xmx15g, the estimate rounded up to a whole GiB: java -Xmx15g -jar " +
            "examples/target/incident-replay.jar --entries 2000000000 --maps docref --out 'it'\\''s here' (more " +
            "than this machine's 8.00 GiB of memory: choose one of the following instead). Or, in this heap, at " +
            "most --entries "), problem);
        assertFalse(problem.contains("docref alone"), problem);
        final String tiny = HeapBudget.problem(ReplayOptions.parse(new String[] { "--entries", "1000000" }),
            HeapBudget.Heap.g1(1L << 20), 0);
        assertTrue(tiny.endsWith("java -Xmx1g -jar examples/target/incident-replay.jar --entries 1000000. Even the " +
            "fewest --entries, 1000, do not fit this heap with these maps."), tiny);
    }
}
