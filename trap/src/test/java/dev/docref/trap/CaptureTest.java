package dev.docref.trap;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

/** The parts of {@link Capture} that a whole capture cannot reach deterministically; the rest is in FreezeTrapTest. */
class CaptureTest
{
    /**
     * A capture that fails while its tool runs waits for the tool's kill; {@code close()} interrupting that wait
     * must leave the capture thread interrupted, as on every other path, not swallow the interrupt. Interrupted
     * before the wait, the wait ends at once, which is what an interrupt during it does too.
     */
    @Test
    void waitingForAKilledProfileKeepsAnInterruptForTheCaller()
    {
        final CompletableFuture<OffCpuProfiler.Result> neverEnds = new CompletableFuture<>();
        Thread.currentThread().interrupt();
        try
        {
            assertNull(Capture.awaitKilled(neverEnds), "no profile: the wait was interrupted");
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is kept for the caller");
        }
        finally
        {
            Thread.interrupted();
        }
    }
}
