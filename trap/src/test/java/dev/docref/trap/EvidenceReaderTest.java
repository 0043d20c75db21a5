package dev.docref.trap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/** The evidence thread: reads on a thread that exists already, timeouts, a hung read that does not hold up the next. */
class EvidenceReaderTest
{
    private static final Duration LONG = Duration.ofSeconds(20);

    @Test
    void readsRunOnOneDaemonThreadCreatedWithTheReaderWhichCloseEnds() throws Exception
    {
        final AtomicReference<Thread> first = new AtomicReference<>();
        final AtomicReference<Thread> second = new AtomicReference<>();
        final EvidenceReader evidence = new EvidenceReader();

        assertEquals("one", evidence.read(() -> read(first, "one"), LONG, "first read"));
        assertEquals("two", evidence.read(() -> read(second, "two"), LONG, "second read"));
        evidence.close();

        assertSame(first.get(), second.get(), "the same thread");
        assertEquals(EvidenceReader.THREAD_NAME, first.get().getName());
        assertTrue(first.get().isDaemon());
        assertFalse(first.get().isAlive(), "close() ended the thread and returned once it had");
        assertEquals("(not read: the trap is closed: third read)\n", evidence.read(() -> "three", LONG, "third read"));
    }

    private static String read(final AtomicReference<Thread> thread, final String text)
    {
        thread.set(Thread.currentThread());
        return text;
    }

    /**
     * A read that hangs (ignoring interrupts, as a read the kernel holds for a lock does) is reported at its timeout,
     * and the next read runs on a new thread instead of waiting behind it.
     */
    @Test
    void aReadHungPastItsTimeoutIsReportedAndTheNextReadDoesNotWaitBehindIt() throws Exception
    {
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicReference<Thread> hung = new AtomicReference<>();
        final AtomicReference<Thread> next = new AtomicReference<>();
        try (EvidenceReader evidence = new EvidenceReader())
        {
            assertEquals("(timed out after 100 ms: the smaps_rollup of a frozen process)\n", evidence.read(() ->
            {
                hung.set(Thread.currentThread());
                awaitIgnoringInterrupts(release);
                return "late";
            }, Duration.ofMillis(100), "the smaps_rollup of a frozen process"));

            assertEquals("next", evidence.read(() -> read(next, "next"), LONG, "the next read"));
            assertTrue(hung.get().isAlive(), "the hung read still runs");
            assertTrue(next.get() != hung.get(), "on a new thread");
            assertEquals(EvidenceReader.THREAD_NAME, next.get().getName());
            release.countDown();
        }
        finally
        {
            release.countDown();
        }
        assertFalse(hung.get().isAlive(), "the given-up thread ends once its read returns, and close() waits for it");
        assertFalse(next.get().isAlive(), "close() waits for the current thread");
    }

    /** close() waits for a given-up thread whose read still hangs only until its deadline, then leaves it running. */
    @Test
    void closeWaitsForAReadThatStillHangsOnlyUntilItsDeadline() throws Exception
    {
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicReference<Thread> hung = new AtomicReference<>();
        final EvidenceReader evidence = new EvidenceReader();
        try
        {
            evidence.read(() ->
            {
                hung.set(Thread.currentThread());
                awaitIgnoringInterrupts(release);
                return "late";
            }, Duration.ofMillis(100), "a read the kernel holds");

            final long start = System.nanoTime();
            evidence.close(start + Duration.ofMillis(200).toNanos());
            final long waited = System.nanoTime() - start;

            assertTrue(waited >= Duration.ofMillis(190).toNanos() && waited < LONG.toNanos(), "waited " + waited);
            assertTrue(hung.get().isAlive(), "still hung: left running");
        }
        finally
        {
            release.countDown();
        }
        hung.get().join(LONG.toMillis());
        assertFalse(hung.get().isAlive(), "the given-up thread ends once its read returns");
    }

    private static void awaitIgnoringInterrupts(final CountDownLatch latch)
    {
        boolean interrupted = false;
        while (latch.getCount() > 0)
        {
            try
            {
                latch.await();
            }
            catch (final InterruptedException ex)
            {
                interrupted = true;
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aReadThatThrowsIsReportedAsFailed()
    {
        try (EvidenceReader evidence = new EvidenceReader())
        {
            assertEquals("(failed: reading x: java.lang.IllegalStateException: no such file)\n", evidence.read(() ->
            {
                throw new IllegalStateException("no such file");
            }, LONG, "reading x"));
            assertEquals("after", evidence.read(() -> "after", LONG, "reading y"));
        }
    }

    /** An interrupted caller (the trap closing) gets a line saying so, stays interrupted, and keeps the thread. */
    @Test
    void anInterruptedCallerIsToldSoAndStaysInterruptedAndTheThreadIsKept()
    {
        final AtomicReference<Thread> before = new AtomicReference<>();
        final AtomicReference<Thread> after = new AtomicReference<>();
        try (EvidenceReader evidence = new EvidenceReader())
        {
            evidence.read(() -> read(before, "before"), LONG, "a read");
            Thread.currentThread().interrupt();

            assertEquals("(interrupted: the dump at end)\n", evidence.read(() -> "dump", LONG, "the dump at end"));
            assertTrue(Thread.interrupted(), "still interrupted (and cleared here)");
            evidence.read(() -> read(after, "after"), LONG, "a read");
            assertSame(before.get(), after.get(), "no thread was given up");
        }
    }
}
