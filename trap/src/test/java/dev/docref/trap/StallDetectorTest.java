package dev.docref.trap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

class StallDetectorTest
{
    private static final Duration RESOLUTION = Duration.ofMillis(20);
    private static final Duration THRESHOLD = Duration.ofMillis(500);

    @Test
    void anOverSleepPastTheThresholdIsReportedWithItsLength() throws Exception
    {
        final AtomicLong clock = new AtomicLong();
        final AtomicInteger sleeps = new AtomicInteger();
        final LinkedBlockingQueue<Duration> stalls = new LinkedBlockingQueue<>();
        final StallDetector.Sleeper sleeper = nanos ->
        {
            // The 5th sleep overshoots by 3 s, the 9th by 0.4 s (under the threshold), the others are exact.
            final int n = sleeps.incrementAndGet();
            clock.addAndGet(nanos + (n == 5 ? 3_000_000_000L : n == 9 ? 400_000_000L : 0));
            if (n > 12)
            {
                Thread.sleep(10_000);
            }
        };
        final long before = clock.get();
        try (StallDetector detector = new StallDetector(RESOLUTION, THRESHOLD, (stall, start) -> stalls.add(stall),
            clock::get, sleeper))
        {
            detector.start();

            assertEquals(Duration.ofSeconds(3), stalls.poll(5, TimeUnit.SECONDS));
            while (sleeps.get() <= 12)
            {
                Thread.sleep(1);
            }
            assertEquals(1, detector.stallCount(), "0.4 s is under the 0.5 s threshold");
            assertEquals(Duration.ofSeconds(3), detector.longestStall());
            assertEquals(Duration.ofSeconds(3), detector.stallSince(before));
            assertEquals(Duration.ZERO, detector.stallSince(clock.get() + 1));
        }
    }

    @Test
    void aStallInProgressIsVisibleFromAnotherThreadAsOverdue() throws Exception
    {
        final AtomicLong clock = new AtomicLong();
        final CountDownLatch asleep = new CountDownLatch(1);
        final CountDownLatch wake = new CountDownLatch(1);
        final AtomicInteger sleeps = new AtomicInteger();
        final StallDetector.Sleeper sleeper = nanos ->
        {
            if (sleeps.incrementAndGet() == 3)
            {
                asleep.countDown();
                wake.await();
            }
            clock.addAndGet(nanos);
        };
        try (StallDetector detector = new StallDetector(RESOLUTION, THRESHOLD, (stall, start) -> { }, clock::get,
            sleeper))
        {
            detector.start();
            asleep.await();
            assertEquals(Duration.ZERO, detector.overdue());

            clock.addAndGet(Duration.ofMillis(1020).toNanos());

            assertEquals(Duration.ofSeconds(1), detector.overdue(), "1,020 ms into a 20 ms sleep");
            wake.countDown();
        }
    }

    @Test
    void aThresholdNotAboveTheResolutionIsRejected()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> new StallDetector(RESOLUTION, RESOLUTION, (stall, start) -> { }));

        assertTrue(ex.getMessage().contains("must be more than the resolution"), ex.getMessage());
        assertThrows(IllegalArgumentException.class,
            () -> new StallDetector(Duration.ofNanos(1000), THRESHOLD, (stall, start) -> { }));
    }

    /** SIGSTOP stops every thread of a JVM, as a stuck safepoint or a frozen VM would: a real stall. */
    @Test
    void aRealStallOfAWholeJvmIsMeasuredAndFiresAStallCapture(@TempDir final Path dir) throws Exception
    {
        final Process child = TrapTesting.childJvm(StallingService.class, dir.toString());
        try
        {
            final BufferedReader out = TrapTesting.stdout(child);
            TrapTesting.awaitLine(out, "READY", Duration.ofSeconds(20));
            Thread.sleep(300);

            TrapTesting.signal(child.pid(), "STOP");
            Thread.sleep(1500);
            TrapTesting.signal(child.pid(), "CONT");

            final Path capture = Path.of(TrapTesting.awaitLine(out, "CAPTURE", Duration.ofSeconds(30)));
            assertTrue(capture.getFileName().toString().endsWith("-stall"), capture.toString());
            final JsonNode summary = TrapTesting.json(capture.resolve(Capture.SUMMARY_JSON));
            assertEquals("stall", summary.get("trigger").asText());
            final long stalled = summary.get("stall").get("stallDetectorMillis").asLong();
            assertTrue(stalled >= 1300 && stalled < 10_000, "the child was stopped for 1,500 ms; measured " +
                stalled + " ms");
            assertEquals("java;stalled 1\n", java.nio.file.Files.readString(capture.resolve(Capture.FOLDED)));
        }
        finally
        {
            TrapTesting.stop(child);
        }
    }
}
