package dev.docref.examples;

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

/** What the report says of the trap's captures, from results made up for it rather than a run of the demo. */
class IncidentReportTest
{
    /**
     * A capture that failed part way is kept with {@code failure.txt} and without its summary and flame graph; the
     * notes and the HTML named its {@code offcpu.svg} as its flame graph, and the chart linked it, though no such
     * file is ever written.
     */
    @Test
    void aCaptureThatFailedPartWayIsReportedWithWhatFailedNotWithAFlameGraphItNeverWrote(@TempDir final Path dir)
        throws IOException
    {
        final Instant start = Instant.parse("2026-11-30T19:11:13Z");
        final Path failed = Files.createDirectories(dir.resolve("captures/hashmap/capture-20261130T191113.340Z-pid" +
            ProcessHandle.current().pid() + "-guard"));
        Files.writeString(failed.resolve("threads.txt"), "\"main\" #1");
        Files.writeString(failed.resolve(PhaseTrap.FAILURE), "the profiler failed");
        final PhaseResult.CaptureRecord capture = PhaseTrap.readCapture(failed, start);

        final ReplayOptions options = ReplayOptions.parse(new String[0]);
        final ReplayPhase phase = new ReplayPhase(FeedIndex.Kind.HASHMAP, new long[] {1}, 1, options, null);
        final PhaseResult result = new PhaseResult(phase, new Histogram(3), new long[1], List.of(capture), 0, 0, 0, 0,
            0);
        final IncidentReport report = new IncidentReport(options, List.of(result), start, "test", dir);

        final String notes = report.notes();
        assertFalse(notes.contains("offcpu.svg"), notes);
        assertTrue(notes.contains("capture failed part way") &&
            notes.contains("no flame graph; what failed: " + failed.resolve(PhaseTrap.FAILURE)), notes);
        final String html = report.html();
        assertFalse(html.contains("offcpu.svg") || html.contains("summary.txt"), html);
        assertTrue(html.contains("the capture failed part way: <a href=\"captures/hashmap/" + failed.getFileName() +
            "/failure.txt\">what failed</a>"), html);
    }
}
