package dev.docref.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.management.ObjectName;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each small example runs to its end and does what its javadoc says. */
class SmallExamplesTest
{
    @TempDir
    Path dir;

    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);

    private String printed()
    {
        return buffer.toString(StandardCharsets.UTF_8);
    }

    @Test
    void quickStartReadsBackTheDocRefAndAllocatesNothingWhileFilling()
    {
        assertEquals(42, QuickStart.run(out));
        assertTrue(printed().contains("(nothing allocated while filling)"), printed());
        assertTrue(printed().contains("get(a key never put) = -1"), printed());
    }

    @Test
    void guardConfigurationWarnsBlocksReloadsItsFileAndAnswersOverJmx() throws Exception
    {
        assertArrayEquals(new long[] { 2, 1 }, GuardConfiguration.run(dir, out, GuardConfiguration.EDIT_WAIT));
        final String printed = printed();
        assertTrue(printed.contains("mode warn, single-allocation limit 256.00 MiB"), printed);
        assertTrue(printed.contains("checkResize threw AllocationBlockedException"), printed);
        assertTrue(printed.contains("\"1GB\" has an unknown unit"), printed);
        assertTrue(printed.contains("mode warn, single-allocation limit 1.00 GiB"), "the file edit was not applied:\n" +
            printed);
        assertTrue(printed.contains("SingleAllocationLimit=134217728"), printed);
        assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(
            new ObjectName("dev.docref:type=AllocationGuard,name=" + GuardConfiguration.NAME)),
            "closing the guard unregisters its MXBean");
    }

    /**
     * Step 4 waits for the guard's file watcher to apply an edit, which takes it 1 to 2 s. When it has not by the end
     * of the wait (on a busy machine; here a wait of zero, which no watcher meets, as it needs two reads of the file a
     * second apart), the example ends saying what it waited for, how long, and why it may not have come. The old code
     * went on under the configuration before the edit, mode block, and ended with an
     * {@code AllocationBlockedException} stack trace.
     */
    @Test
    void guardConfigurationSaysWhatItWaitedForWhenItsFileEditIsNotApplied() throws Exception
    {
        final ExampleFailure failure = assertThrows(ExampleFailure.class,
            () -> GuardConfiguration.run(dir, out, Duration.ZERO));
        assertEquals("waited 0 s for the guard's file watcher to apply the edit of " + dir.resolve("guard.properties") +
            " (single-allocation limit 1.00 GiB), but the guard is still at mode block, single-allocation limit " +
            "256.00 MiB. The watcher reads the file once a second and applies an edit once two reads in a row find " +
            "it the same, which takes 1 to 2 s; so either this machine is too slow or busy for the watcher thread to " +
            "get its reads in (run the example again when it is less loaded), or something else kept changing the " +
            "file meanwhile (an editor, a sync tool), so that no two reads were the same", failure.getMessage());
        assertFalse(printed().contains("checkResize of 512.00 MiB passed"), printed());
        assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(
            new ObjectName("dev.docref:type=AllocationGuard,name=" + GuardConfiguration.NAME)),
            "closing the guard unregisters its MXBean");
    }

    @Test
    void aSmallExamplesDirectoryIsCheckedBeforeItRuns() throws Exception
    {
        final Path file = Files.writeString(dir.resolve("notes.txt"), "a file");
        final IllegalArgumentException onFile = assertThrows(IllegalArgumentException.class,
            () -> DirectoryArgument.ofExample(new String[] { file.toString() }, "usage", "x-", "it writes", out));
        assertEquals("DIR '" + file + "' is an existing file, not a directory; it writes into a directory, so give " +
            "one, new or existing, e.g. a new name, or no argument for a new temporary directory", onFile.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DirectoryArgument.ofExample(
            new String[] { "a", "b" }, "usage", "x-", "it writes", out)).getMessage()
            .startsWith("it takes at most one argument, the directory, but was given 2: a b"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DirectoryArgument.ofExample(
            new String[] { "--dir" }, "usage", "x-", "it writes", out)).getMessage()
            .startsWith("unknown option '--dir'; the only argument is the directory, or --help"));
        assertEquals(null, DirectoryArgument.ofExample(new String[] { "--help" }, "the usage", "x-", "it writes", out));
        assertEquals("the usage\n", printed());
        assertEquals(dir.resolve("new"), DirectoryArgument.ofExample(new String[] { dir.resolve("new").toString() },
            "usage", "x-", "it writes", out));
    }

    /**
     * Through main, in a JVM of its own: the old code wrote guard.properties into a new directory named --help. The
     * example's standard output and error are checked apart from the JVM's own lines (JAVA_TOOL_OPTIONS), and a hung
     * child fails the test within its timeout.
     */
    @Test
    void smallExamplesPrintTheirUsageForHelpAndExit2ForABadDirectory() throws Exception
    {
        final Path file = Files.writeString(dir.resolve("guard.txt"), "a file");
        final ChildJvm help = ChildJvm.run(dir, dir, Duration.ofSeconds(60), GuardConfiguration.class, "--help");
        assertEquals(0, help.exitValue(), help.toString());
        assertEquals(GuardConfiguration.USAGE + System.lineSeparator(), help.out());
        assertEquals("", help.err());
        assertFalse(Files.exists(dir.resolve("--help")), "--help was taken for a directory");
        final ChildJvm bad = ChildJvm.run(dir, dir, Duration.ofSeconds(60), CatchAFreeze.class, file.toString());
        assertEquals(2, bad.exitValue(), bad.toString());
        assertEquals("", bad.out());
        assertTrue(bad.err().startsWith("catch-a-freeze: DIR '" + file + "' is an existing file, not a directory; " +
            "the example writes its captures into a directory") && bad.err().contains(CatchAFreeze.USAGE), bad.err());
    }

    /**
     * A failure the example expects (a file it cannot write, a bad {@code docref.trap.*} property) ends it with one
     * line saying what to do, and status 1; the old code ended with the exception's stack trace. Through main, in a
     * JVM of its own.
     */
    @Test
    void anExpectedFailureEndsASmallExampleWithOneLineAndStatus1() throws Exception
    {
        final Path file = Files.createDirectories(dir.resolve("guard.properties"));
        final ChildJvm guard = ChildJvm.run(dir, dir, Duration.ofSeconds(60), GuardConfiguration.class,
            dir.toString());
        assertOneLineError(guard, "guard-configuration: cannot write " + file + " (java.nio.file.");
        assertTrue(guard.err().contains("); give a DIR where this user can write it, with room left"), guard.err());
        assertFalse(Files.exists(dir.resolve("guard.properties.new")), "the file written to be renamed is removed");

        final ChildJvm trap = ChildJvm.run(dir, dir, Duration.ofSeconds(60),
            List.of("-Ddocref.trap.capture.duration=soon"), CatchAFreeze.class, dir.resolve("captures").toString());
        assertOneLineError(trap, "catch-a-freeze: docref.trap.capture.duration = \"soon\" is not a duration; " +
            "accepted: ");
    }

    /**
     * QuickStart's map reads the {@code docref.guard.*} system properties through {@code AllocationGuard.global()}: a
     * bad one ended it with an {@code IllegalArgumentException} stack trace, where the other examples print one line.
     */
    @Test
    void aBadGuardPropertyEndsQuickStartWithOneLineAndStatus1() throws Exception
    {
        final ChildJvm quickStart = ChildJvm.run(dir, dir, Duration.ofSeconds(60),
            List.of("-Ddocref.guard.mode=blocking"), QuickStart.class);
        assertOneLineError(quickStart, "quick-start: system properties: docref.guard.mode = \"blocking\" is not a " +
            "valid value; accepted: one of off, warn, block (case-insensitive). No guard was created.");
    }

    /** Exit status 1 and one line on standard error that starts with {@code start}: no stack trace. */
    static void assertOneLineError(final ChildJvm child, final String start)
    {
        assertEquals(1, child.exitValue(), child.toString());
        assertEquals(1, child.err().lines().count(), child.err());
        assertTrue(child.err().startsWith(start), child.err());
    }

    /**
     * A capture that fails part way is kept with {@code failure.txt} and never handed to {@code onCapture}: the old
     * example waited 30 s for it and ended with "no capture within 30 s" and a stack trace, never naming the
     * {@code failure.txt} the trap had written. The capture directories are made up here, as the trap names and fills
     * them; a capture still being written is not taken for one that ended.
     */
    @Test
    void catchAFreezeReportsACaptureThatFailedPartWayWithItsFailureTxt() throws Exception
    {
        final List<Path> told = new ArrayList<>();
        final TrapCaptures captures = new TrapCaptures(dir, told::add);
        final String pid = "-pid" + ProcessHandle.current().pid();
        final Path running = Files.createDirectories(dir.resolve("capture-20261130T191112.340Z" + pid + "-stall"));
        final Path failed = Files.createDirectories(dir.resolve("capture-20261130T191113.340Z" + pid +
            "-probe-deadline"));
        Files.writeString(failed.resolve("threads.txt"), "\"main\" #1");
        assertNull(captures.awaitFirst(Duration.ZERO, Instant.EPOCH), "neither has ended");
        Files.writeString(failed.resolve(TrapCaptures.FAILURE), "docref freeze trap capture that failed part way: " +
            "it has no summary\n\ntrigger:        probe-deadline: the health probe had not returned after 502 ms\n" +
            "pid:            42\nfailure:        java.io.UncheckedIOException: cannot write memory.txt\n");

        final PhaseResult.CaptureRecord capture = captures.awaitFirst(Duration.ZERO, Instant.EPOCH);
        assertEquals(failed, capture.directory());
        assertTrue(capture.failed(), capture.toString());
        assertEquals(List.of(failed), told);
        final ExampleFailure failure = assertThrows(ExampleFailure.class, () -> CatchAFreeze.report(capture, dir, out));
        assertEquals("the trap caught the freeze, but its capture failed part way: " +
            failed.resolve(TrapCaptures.FAILURE) + " says what failed, and " + failed + " keeps what it wrote before",
            failure.getMessage());
        assertEquals("  trigger:        probe-deadline: the health probe had not returned after 502 ms\n" +
            "  failure:        java.io.UncheckedIOException: cannot write memory.txt\n", printed().replace("\r", ""));

        captures.completed(running);
        assertEquals(running, captures.awaitFirst(Duration.ZERO, Instant.EPOCH).directory(), "the oldest that ended");
        assertTrue(assertThrows(ExampleFailure.class, () -> CatchAFreeze.report(null, dir, out)).getMessage()
            .startsWith("no capture ended within 30 s of the freeze in " + dir + ", though the probe should have " +
                "fired 500 ms into it"));
    }

    /**
     * With {@code docref.trap.enabled=false} nothing can catch the freeze: the old example waited 30 s and ended with
     * "no capture within 30 s" and a stack trace; it now says so as soon as the trap is started, in one line.
     */
    @Test
    void catchAFreezeSaysAtOnceThatADisabledTrapCannotCatchTheFreeze() throws Exception
    {
        final ChildJvm disabled = ChildJvm.run(dir, dir, Duration.ofSeconds(60),
            List.of("-Ddocref.trap.enabled=false"), CatchAFreeze.class, dir.resolve("captures").toString());
        assertEquals(1, disabled.exitValue(), disabled.toString());
        assertTrue(disabled.err().lines().anyMatch(line -> line.equals("catch-a-freeze: the freeze trap is disabled " +
            "(docref.trap.enabled=false), so nothing would catch the freeze this example makes; run it without that " +
            "property")), disabled.err());
        assertFalse(disabled.err().contains("\tat "), disabled.err());
        assertEquals("", disabled.out());
    }

    @Test
    void catchAFreezeCapturesTheProbeHangingBehindTheLock() throws Exception
    {
        final Path capture = CatchAFreeze.run(dir, out);
        assertTrue(capture.getFileName().toString().endsWith("-probe-deadline"), capture.toString());
        final PhaseResult.CaptureRecord record = TrapCaptures.read(capture, Instant.EPOCH);
        assertNotNull(record, "the incident demo reads the trap's capture names: " + capture.getFileName());
        assertEquals("probe-deadline", record.trigger());
        assertTrue(record.complete(), capture.toString());
        assertTrue(Files.exists(capture.resolve("summary.json")) && Files.exists(capture.resolve("offcpu.svg")));
        final String summary = Files.readString(capture.resolve("summary.txt"));
        final Matcher hung = Pattern.compile("the health probe hung ([\\d,]+) ms").matcher(summary);
        assertTrue(hung.find(), summary);
        final long millis = Long.parseLong(hung.group(1).replace(",", ""));
        assertTrue(millis >= 2_000 && millis < 10_000, "the probe hung " + millis + " ms for a 2,500 ms freeze");
        assertTrue(printed().contains("flame graph: " + capture.resolve("offcpu.svg")), printed());
    }
}
