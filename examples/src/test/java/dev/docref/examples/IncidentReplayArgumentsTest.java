package dev.docref.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.docref.guard.ResizeForecast;

import org.junit.jupiter.api.Test;
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
            Arguments.of(List.of("--bogus"), "unknown argument '--bogus'"),
            Arguments.of(List.of("--entries"), "--entries needs a value"),
            Arguments.of(List.of("--entries", "12x"), "--entries '12x' is not a whole number"),
            Arguments.of(List.of("--entries", "10"), "--entries 10 is out of range; accepted: 1,000 to"),
            Arguments.of(List.of("--entries", "5000", "--entries", "6000"), "--entries is given twice"),
            Arguments.of(List.of("--maps", "hashmap,treemap"), "--maps: unknown map 'treemap'"),
            Arguments.of(List.of("--maps", "docref,docref"), "--maps lists 'docref' twice"),
            Arguments.of(List.of("--query-threads", "0"), "--query-threads 0 is out of range"),
            Arguments.of(List.of("--queries-per-second", "5000000"), "the most is one query a microsecond"),
            Arguments.of(List.of("--guard-limit", "64MB"), "--guard-limit = \"64MB\" has an unknown unit"),
            Arguments.of(List.of("--capture-duration", "1500ms"), "--capture-duration 1500ms is not whole seconds"),
            Arguments.of(List.of("--capture-duration", "2h"), "--capture-duration 2h is out of range"),
            Arguments.of(List.of("--arming-delay", "soon"), "--arming-delay = \"soon\" is not a duration"),
            Arguments.of(List.of("--seed", "0x5"), "--seed '0x5' is not a whole number"));
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

    @Test
    void helpPrintsUsageAndReturns0()
    {
        assertEquals(0, run(List.of("--help")));
        assertTrue(out.toString(StandardCharsets.UTF_8)
            .contains("usage: java -jar examples/target/incident-replay.jar"));
    }

    @Test
    void invalidArgumentsExitTheJvmWithStatus2() throws IOException, InterruptedException
    {
        final Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        final Process process = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
            IncidentReplay.class.getName(), "--entries", "lots").redirectErrorStream(true).start();
        final String printed = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the JVM did not exit");
        assertEquals(2, process.exitValue(), printed);
        assertTrue(printed.contains("--entries 'lots' is not a whole number") && printed.contains("usage:"), printed);
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
        assertTrue(hashMap.nextResizeBytes() > limit);
        assertTrue(fastutil.nextResizeBytes() > limit);
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
        final String problem = HeapBudget.problem(incident, 1L << 30);
        assertTrue(problem != null && problem.contains("needs about") && problem.contains("java -Xmx"), problem);
        assertNull(HeapBudget.problem(incident, 12L << 30));
        assertNull(HeapBudget.problem(ReplayOptions.parse(new String[0]), 1L << 30));
        assertNull(HeapBudget.problem(ReplayOptions.parse(new String[] { "--entries", "58720257", "--maps",
            "docref" }), 1L << 30));
    }
}
