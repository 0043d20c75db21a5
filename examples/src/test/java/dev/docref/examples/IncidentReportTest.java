package dev.docref.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the report says of the trap's captures, from a capture directory made up for it rather than a run. */
class IncidentReportTest
{
    private static final Instant START = Instant.parse("2026-11-30T19:11:13Z");

    /**
     * A capture that failed part way is kept with {@code failure.txt} and without its summary and flame graph; the
     * notes and the HTML named its {@code offcpu.svg} as its flame graph, and the chart linked it, though no such
     * file is ever written.
     */
    @Test
    void aCaptureThatFailedPartWayIsReportedWithWhatFailedNotWithAFlameGraphItNeverWrote(@TempDir final Path dir)
        throws IOException
    {
        final Path failed = captureDirectory(dir);
        Files.writeString(failed.resolve("threads.txt"), "\"main\" #1");
        Files.writeString(failed.resolve(TrapCaptures.FAILURE), "the profiler failed");
        final IncidentReport report = reportOf(failed, dir);

        final String notes = report.notes();
        assertFalse(notes.contains("offcpu.svg"), notes);
        assertTrue(notes.contains("capture failed part way") &&
            notes.contains("no flame graph; what failed: " + failed.resolve(TrapCaptures.FAILURE)), notes);
        final String html = report.html();
        assertFalse(html.contains("offcpu.svg") || html.contains("summary.txt"), html);
        assertTrue(html.contains("the capture failed part way: <a href=\"captures/hashmap/" + failed.getFileName() +
            "/failure.txt\">what failed</a>"), html);
    }

    /**
     * Where no off-CPU tool ran (no BCC offcputime, or not root), a capture's flame graph holds no stacks; the HTML
     * said all the same that it "shows the query threads off the CPU, parked on the lock".
     */
    @Test
    void theReportSaysTheFlameGraphsShowTheLockWaitsOnlyWhenAToolProducedStacks(@TempDir final Path dir)
        throws IOException
    {
        final Path capture = captureDirectory(dir);
        Files.writeString(capture.resolve("summary.json"), "{}");
        Files.writeString(capture.resolve("summary.txt"), "stall:          the health probe hung 812 ms\n" +
            "tool:           none produced stacks\n");
        final String html = reportOf(capture, dir).html();
        assertFalse(html.contains("whose flame graph shows the query threads"), html);
        assertTrue(html.contains("but no off-CPU tool produced stacks in this run"), html);

        Files.writeString(capture.resolve("summary.txt"), "stall:          the health probe hung 812 ms\n" +
            "tool:           docref.trap.command '/usr/sbin/offcputime -m 10000 -p {pid} {seconds}'\n");
        assertTrue(reportOf(capture, dir).html().contains("whose flame graph shows the query threads off the CPU"));
    }

    /**
     * A phase's {@code done:} line counted every capture as one, a capture that failed part way too: "1 capture" for a
     * phase whose only capture failed, whose {@code failure.txt} only an earlier line named. It now says how many
     * completed and how many failed, and where each failure is written.
     */
    @Test
    void thePhasesDoneLineCountsCompleteAndFailedCapturesApartAndNamesEachFailure(@TempDir final Path dir)
        throws IOException
    {
        final Path captures = Files.createDirectories(dir.resolve("captures/hashmap"));
        final String pid = "-pid" + ProcessHandle.current().pid();
        final Path complete = Files.createDirectories(captures.resolve("capture-20261130T191113.340Z" + pid +
            "-guard"));
        Files.writeString(complete.resolve("summary.json"), "{}");
        final Path failed = Files.createDirectories(captures.resolve("capture-20261130T191115.340Z" + pid +
            "-probe-deadline"));
        Files.writeString(failed.resolve(TrapCaptures.FAILURE), "the profiler failed");
        final Path unfinished = Files.createDirectories(captures.resolve("capture-20261130T191117.340Z" + pid +
            "-stall"));

        assertEquals("0 captures complete, none failed", IncidentReplay.describeCaptures(List.of()));
        assertEquals("1 capture complete, none failed",
            IncidentReplay.describeCaptures(List.of(TrapCaptures.read(complete, START))));
        assertEquals("0 captures complete, 1 failed part way (what failed: " + failed.resolve(TrapCaptures.FAILURE) +
            ")", IncidentReplay.describeCaptures(List.of(TrapCaptures.read(failed, START))));
        assertEquals("1 capture complete, 1 failed part way (what failed: " + failed.resolve(TrapCaptures.FAILURE) +
            "), 1 not finished when the phase ended", IncidentReplay.describeCaptures(List.of(
                TrapCaptures.read(complete, START), TrapCaptures.read(failed, START),
                TrapCaptures.read(unfinished, START))));
    }

    /** A capture directory of HashMap's phase, named as the trap names them, under {@code dir}'s captures. */
    private static Path captureDirectory(final Path dir) throws IOException
    {
        return Files.createDirectories(dir.resolve("captures/hashmap/capture-20261130T191113.340Z-pid" +
            ProcessHandle.current().pid() + "-guard"));
    }

    /** The report of one HashMap phase, at the default options, whose one capture is in {@code capture}. */
    private static IncidentReport reportOf(final Path capture, final Path outDir) throws IOException
    {
        final ReplayOptions options = ReplayOptions.parse(new String[0]);
        final ReplayPhase phase = new ReplayPhase(FeedIndex.Kind.HASHMAP, new long[] {1}, 1, options, null);
        final PhaseResult result = new PhaseResult(phase, new Histogram(3), new long[1],
            List.of(TrapCaptures.read(capture, START)), 0, 0, 0, 0, 0);
        return new IncidentReport(options, List.of(result), START, "test", outDir);
    }
}
