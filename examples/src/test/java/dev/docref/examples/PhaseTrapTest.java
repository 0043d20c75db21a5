package dev.docref.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
        throws IOException, InterruptedException, ExampleFailure
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

    /**
     * A capture that failed part way is kept with {@code failure.txt} and never reported through {@code onCapture}.
     * Counted as pending, it made each later guarded resize wait the capture window and 15 s for a trap that was
     * free, and the phase's end 60 s more.
     */
    @Test
    void aCaptureKeptWithItsFailureIsNotPendingAndIsReportedOnce(@TempDir final Path dir)
        throws IOException, ExampleFailure
    {
        final ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (PhaseTrap trap = new PhaseTrap(dir, () -> { }, Duration.ofSeconds(1),
            new PrintStream(printed, true, StandardCharsets.UTF_8)))
        {
            final String pid = "-pid" + ProcessHandle.current().pid();
            final Path failed = Files.createDirectories(dir.resolve("capture-20261130T191113.340Z" + pid +
                "-guard"));
            Files.writeString(failed.resolve("jstack.txt"), "\"main\" #1");
            final Path running = Files.createDirectories(dir.resolve("capture-20261130T191114.340Z" + pid +
                "-probe-deadline"));
            assertEquals(List.of(failed, running), trap.pending(), "neither has failed yet");
            Files.writeString(failed.resolve(TrapCaptures.FAILURE), "the profiler failed");
            assertEquals(List.of(running), trap.pending());
            assertEquals(List.of(running), trap.pending());
            assertEquals("  trap: a capture failed part way, kept for what it holds: " +
                failed.resolve(TrapCaptures.FAILURE) + System.lineSeparator(),
                printed.toString(StandardCharsets.UTF_8));
        }
    }
}
