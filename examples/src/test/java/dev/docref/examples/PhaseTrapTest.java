package dev.docref.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the demo's trap decides that it is free to capture the next resize. */
class PhaseTrapTest
{
    /**
     * A capture writes its summary, then the trap calls {@code onCapture}, then frees its throttle: a guard warning
     * between the two is refused a capture. {@code IncidentReplayTest} lost HashMap's guard capture that way on a
     * loaded machine, when {@code awaitIdle} took the summary for the end of the capture.
     */
    @Test
    void awaitIdleWaitsForTheTrapToReportACaptureWhoseSummaryIsAlreadyWritten(@TempDir final Path dir)
        throws IOException, InterruptedException
    {
        try (PhaseTrap trap = new PhaseTrap(dir, () -> { }, Duration.ofSeconds(1),
            new PrintStream(OutputStream.nullOutputStream())))
        {
            // Named as the trap names it, with the writer's pid: a directory named otherwise is not a capture.
            final Path capture = Files.createDirectories(dir.resolve("capture-20261130T191113.340Z-pid" +
                ProcessHandle.current().pid() + "-probe-deadline"));
            Files.writeString(capture.resolve("summary.json"), "{}");
            final long reportAfterMillis = 300;
            final Thread trapThread = new Thread(() ->
            {
                try
                {
                    TimeUnit.MILLISECONDS.sleep(reportAfterMillis);
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
                trap.captureCompleted(capture);
            }, "phase-trap-test-capture");
            final long start = System.nanoTime();
            trapThread.start();
            trap.awaitIdle(() -> "busy");
            final long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            trapThread.join();
            assertTrue(waitedMillis >= reportAfterMillis + PhaseTrap.COOLDOWN.toMillis(), "awaitIdle returned after " +
                waitedMillis + " ms, before the capture was reported complete and its cooldown had passed");
        }
    }
}
