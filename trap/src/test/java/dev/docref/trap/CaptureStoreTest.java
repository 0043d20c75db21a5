package dev.docref.trap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaptureStoreTest
{
    private static final Instant T0 = Instant.parse("2026-11-29T10:15:00.123Z");

    private static final long PID = ProcessHandle.current().pid();
    /** When this process started, in milliseconds since the epoch, as its markers say. */
    private static final long STARTED = ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli();
    /** This process's marker: its pid and start time. */
    private static final String OUR_MARKER = markerOf(ProcessHandle.current());
    /** The bytes of this process's marker, which count towards the budget like any file. */
    private static final int MARKER = OUR_MARKER.length();

    @TempDir
    Path root;

    private Process sleeper;

    @AfterEach
    void stopSleeper() throws InterruptedException
    {
        TrapTesting.stop(sleeper);
    }

    @Test
    void captureDirectoriesAreNamedByUtcTimeProcessAndTriggerAndSortOldestFirst() throws Exception
    {
        final CaptureStore store = new CaptureStore(root.resolve("captures"), 1L << 20);

        final Path second = store.create(T0.plusSeconds(3600), Trigger.STALL);
        final Path first = store.create(T0, Trigger.PROBE_DEADLINE);
        final Path again = store.create(T0, Trigger.PROBE_DEADLINE);

        assertEquals("capture-20261129T101500.123Z-pid" + PID + "-probe-deadline", first.getFileName().toString());
        assertEquals("capture-20261129T101500.123Z-pid" + PID + "-probe-deadline-2", again.getFileName().toString());
        assertEquals("capture-20261129T111500.123Z-pid" + PID + "-stall", second.getFileName().toString());
        assertEquals(List.of(first, again, second), store.captures());
        try (Stream<Path> entries = Files.list(root.resolve("captures")))
        {
            assertEquals(3, entries.count(), "no staging directory is left behind");
        }
    }

    @Test
    void aCaptureHoldsItsInProgressMarkerNamingThisProcessAndItsStartTimeUntilItIsComplete() throws Exception
    {
        final CaptureStore store = new CaptureStore(root, 1L << 20);
        final Path capture = store.create(T0, Trigger.MANUAL);

        assertEquals(OUR_MARKER, Files.readString(capture.resolve(CaptureStore.IN_PROGRESS)));

        store.complete(capture);

        assertFalse(Files.exists(capture.resolve(CaptureStore.IN_PROGRESS)));
        assertTrue(Files.isDirectory(capture), "a complete capture stays");
    }

    @Test
    void aFailedCaptureWhoseFilesAreAllEmptyIsRemoved() throws Exception
    {
        final CaptureStore store = new CaptureStore(root, 1L << 20);
        final Path capture = store.create(T0, Trigger.STALL);
        Files.createFile(capture.resolve("tool-1-command.stdout"));
        Files.createFile(capture.resolve("tool-1-command.stderr"));

        final String remains = store.fail(capture, "failure: the trap is closing\n");

        assertFalse(Files.exists(capture), remains);
        assertEquals("removed " + capture + ": it held no evidence (no file with a byte in it)", remains);
        assertEquals(List.of(), store.captures());
    }

    @Test
    void aFailedCaptureWithEvidenceIsKeptWithFailureTxtAndWithoutItsMarker() throws Exception
    {
        final CaptureStore store = new CaptureStore(root, 1L << 20);
        final Path capture = store.create(T0, Trigger.STALL);
        Files.writeString(capture.resolve(Capture.MEMORY), "VmRSS: 1 kB\n");
        Files.createFile(capture.resolve("tool-1-command.stderr"));

        final String remains = store.fail(capture, "failure: disk full\n");

        assertEquals("kept " + capture + " for the evidence it holds (" + Capture.MEMORY + "); what failed is in " +
            capture.resolve(CaptureStore.FAILURE), remains);
        assertEquals("failure: disk full\n", Files.readString(capture.resolve(CaptureStore.FAILURE)));
        assertFalse(Files.exists(capture.resolve(CaptureStore.IN_PROGRESS)), "no longer in progress");
        assertEquals(List.of(capture), store.captures());
    }

    /**
     * Several JVMs may share one directory (the default is the same for all of them). A capture another live process
     * is still writing must survive this process's budget pass, though its bytes count; one whose writer died (a
     * stale marker) is deleted like any other.
     */
    @Test
    void aCaptureAnotherLiveProcessIsStillWritingIsNotDeletedButAStaleOneIs() throws Exception
    {
        sleeper = new ProcessBuilder("sleep", "60").start();
        final long dead = deadPid();
        final Path theirs = writing("capture-20261129T101500.123Z-pid" + sleeper.pid() + "-stall",
            markerOf(sleeper.toHandle()));
        final Path stale = writing("capture-20261129T101501.123Z-pid" + dead + "-stall", dead + "\n");
        final CaptureStore store = new CaptureStore(root, 1500);
        final Path ours = filled(store.create(T0.plusSeconds(2), Trigger.MANUAL), 1000);

        final List<String> report = store.enforceBudget(ours);

        assertEquals(List.of(theirs, ours), store.captures());
        assertTrue(report.get(0).startsWith("deleted " + stale.getFileName()), report.toString());
        assertEquals(2, report.size(), report.toString());
        assertTrue(report.get(1).contains("over the 1500 bytes of " + FreezeTrap.MAX_DISK_PROP_NAME) &&
            report.get(1).contains(theirs.getFileName() + " (" + CaptureStore.sizeOf(theirs) + " bytes, " +
            "being written by live process " +
            sleeper.pid() + ")") && report.get(1).contains("raise " + FreezeTrap.MAX_DISK_PROP_NAME),
            report.toString());

        store.complete(ours);
        TrapTesting.stop(sleeper);
        final Path next = filled(store.create(T0.plusSeconds(3), Trigger.MANUAL), 1000);
        final List<String> later = store.enforceBudget(next);
        assertEquals(List.of(next), store.captures(), "once its writer is gone, its marker no longer protects it");
        assertEquals(2, later.size(), later.toString());
        assertTrue(later.get(0).startsWith("deleted " + theirs.getFileName()), later.toString());
        assertTrue(later.get(1).startsWith("deleted " + ours.getFileName()), later.toString());
    }

    /**
     * A process that dies between making a capture's staging directory and renaming it into place leaves a hidden
     * {@code .capture-*} directory that no listing counts. A budget pass removes it once it is older than the grace
     * and no live process writes it; a young one, or one a live process holds, stays.
     */
    @Test
    void aBudgetPassRemovesAStagingDirectoryADeadProcessLeftButNotAYoungOneOrALiveOnes() throws Exception
    {
        sleeper = new ProcessBuilder("sleep", "60").start();
        final long dead = deadPid();
        final FileTime old = FileTime.from(Instant.now().minus(CaptureStore.STAGING_GRACE).minusSeconds(5));
        final Path left = staging(".capture-20261129T101500.123Z-pid" + dead + "-stall", dead + "\n", old);
        final Path young = staging(".capture-20261129T101501.123Z-pid" + dead + "-stall", dead + "\n", null);
        final Path live = staging(".capture-20261129T101502.123Z-pid" + sleeper.pid() + "-stall",
            markerOf(sleeper.toHandle()), old);
        final CaptureStore store = new CaptureStore(root, 1 << 20);
        final Path ours = store.create(T0, Trigger.MANUAL);

        final List<String> report = store.enforceBudget(ours);

        assertFalse(Files.exists(left), "left by a dead process, past the grace: removed");
        assertEquals(List.of("deleted " + left.getFileName() + ", left while a process that died was creating a " +
            "capture"), report);
        assertTrue(Files.exists(young), "younger than the grace: its process may only just have made it");
        assertTrue(Files.exists(live), "a live process holds it");
        assertEquals(List.of(ours), store.captures());
    }

    /**
     * In a container the JVM is usually pid 1, and so is the JVM restarted after it was killed mid-capture: a marker
     * with this process's pid but another start time is stale, its capture deleted and its staging directory removed
     * after the grace, while one with this process's start time is live. A marker without a start time, as earlier
     * builds wrote, is judged by its pid alone.
     */
    @Test
    void aMarkerWithThisPidButAnotherStartTimeIsStaleAndOneWithThisProcesssStartTimeIsLive() throws Exception
    {
        final String restartedMarker = PID + " " + (STARTED - 60_000) + "\n";
        final Path restarted = writing("capture-20261129T101500.123Z-pid" + PID + "-stall", restartedMarker);
        final Path live = writing("capture-20261129T101501.123Z-pid" + PID + "-stall", OUR_MARKER);
        final Path pidOnly = writing("capture-20261129T101502.123Z-pid" + PID + "-stall", PID + "\n");
        final FileTime old = FileTime.from(Instant.now().minus(CaptureStore.STAGING_GRACE).minusSeconds(5));
        final Path leftStaging = staging(".capture-20261129T101503.123Z-pid" + PID + "-stall", restartedMarker, old);
        final Path liveStaging = staging(".capture-20261129T101504.123Z-pid" + PID + "-stall", OUR_MARKER, old);
        final CaptureStore store = new CaptureStore(root, 1500);
        final Path ours = filled(store.create(T0.plusSeconds(5), Trigger.MANUAL), 1000);

        final List<String> report = store.enforceBudget(ours);

        assertEquals(List.of(live, pidOnly, ours), store.captures(), report.toString());
        assertFalse(Files.exists(leftStaging), "left by a process that had this pid before: removed");
        assertTrue(Files.exists(liveStaging), "this process holds it");
        assertEquals(3, report.size(), report.toString());
        assertEquals("deleted " + leftStaging.getFileName() + ", left while a process that died was creating a " +
            "capture", report.get(0));
        assertTrue(report.get(1).startsWith("deleted " + restarted.getFileName()), report.toString());
        assertTrue(report.get(2).contains(live.getFileName() + " (" + CaptureStore.sizeOf(live) + " bytes, being " +
            "written by live process " + PID + ")") && report.get(2).contains(pidOnly.getFileName() + " (" +
            CaptureStore.sizeOf(pidOnly) + " bytes, being written by live process " + PID + ")"), report.toString());
    }

    /** The marker {@code writer} writes: its pid and start time. */
    private static String markerOf(final ProcessHandle writer)
    {
        return writer.pid() + " " + writer.info().startInstant().orElseThrow().toEpochMilli() + "\n";
    }

    /** A staging directory with its marker, last modified at {@code modified} ({@code null}: now). */
    private Path staging(final String name, final String marker, final FileTime modified) throws Exception
    {
        final Path directory = Files.createDirectory(root.resolve(name));
        Files.writeString(directory.resolve(CaptureStore.IN_PROGRESS), marker);
        if (modified != null)
        {
            Files.setLastModifiedTime(directory, modified);
        }
        return directory;
    }

    /** A capture directory as another process leaves it while writing: 1000 bytes and its marker. */
    private Path writing(final String name, final String marker) throws Exception
    {
        final Path capture = filled(Files.createDirectory(root.resolve(name)), 1000);
        Files.writeString(capture.resolve(CaptureStore.IN_PROGRESS), marker);
        return capture;
    }

    /** The id of a process that has exited (and been reaped). */
    private static long deadPid() throws Exception
    {
        final Process process = new ProcessBuilder("true").start();
        process.waitFor();
        assertTrue(ProcessHandle.of(process.pid()).isEmpty(), "process " + process.pid() + " is gone");
        return process.pid();
    }

    @Test
    void theOldestCapturesAreDeletedFirstUntilAllFitAndTheNewestIsKept() throws Exception
    {
        final CaptureStore store = new CaptureStore(root, 3000);
        final Path a = written(store, T0, Trigger.STALL, 1000);
        final Path b = written(store, T0.plusSeconds(1), Trigger.STALL, 1000);
        final Path c = written(store, T0.plusSeconds(2), Trigger.STALL, 1000);
        Files.writeString(root.resolve("notes.txt"), "x".repeat(5000));
        assertTrue(store.enforceBudget(c).isEmpty(), "3000 bytes fit");

        final Path d = filled(store.create(T0.plusSeconds(3), Trigger.GUARD_WARNING), 1500);
        final List<String> report = store.enforceBudget(d);

        assertEquals(List.of(c, d), store.captures());
        assertEquals(2, report.size(), report.toString());
        assertTrue(report.get(0).startsWith("deleted " + a.getFileName()), report.toString());
        assertTrue(report.get(1).startsWith("deleted " + b.getFileName()), report.toString());
        assertTrue(Files.exists(root.resolve("notes.txt")), "files that are not captures are left alone");
        assertEquals(2500 + MARKER, store.usedBytes(), "d is not complete: its marker counts too");
    }

    @Test
    void aNewestCaptureLargerThanTheBudgetIsKeptAndReported() throws Exception
    {
        final CaptureStore store = new CaptureStore(root, 1000);
        final Path old = written(store, T0, Trigger.STALL, 100);
        final Path huge = filled(store.create(T0.plusSeconds(1), Trigger.MANUAL), 5000);

        final List<String> report = store.enforceBudget(huge);

        assertEquals(List.of(huge), store.captures());
        assertTrue(report.get(0).startsWith("deleted " + old.getFileName()), report.toString());
        assertTrue(report.get(1).contains("left: " + huge.getFileName() + " (" + (5000 + MARKER) + " bytes, " +
            "just written)") &&
            report.get(1).contains("raise " + FreezeTrap.MAX_DISK_PROP_NAME), report.toString());
    }

    /** A complete capture of {@code bytes}. */
    private static Path written(final CaptureStore store, final Instant time, final Trigger trigger, final int bytes)
        throws Exception
    {
        final Path capture = filled(store.create(time, trigger), bytes);
        store.complete(capture);
        return capture;
    }

    private static Path filled(final Path capture, final int bytes) throws Exception
    {
        Files.createDirectories(capture.resolve("sub"));
        Files.write(capture.resolve("sub").resolve("data"), new byte[bytes]);
        return capture;
    }
}
