package dev.docref.trap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import com.fasterxml.jackson.databind.JsonNode;

import dev.docref.trap.StallSplit.Part;

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

    /**
     * Counters a test drives: {@link #values} by part ordinal, which the test's sleeper grows as the stall it fakes
     * would; a part with a reason in {@link #unavailable} is not measured.
     */
    static class DrivenCounters implements StallCounters
    {
        final long[] values = new long[Part.values().length];
        final String[] unavailable = new String[Part.values().length];
        volatile boolean opened;
        volatile boolean closed;

        @Override
        public void open()
        {
            opened = true;
        }

        @Override
        public void read(final long[] nanos)
        {
            System.arraycopy(values, 0, nanos, 0, values.length);
        }

        @Override
        public String unavailable(final Part part)
        {
            return unavailable[part.ordinal()];
        }

        @Override
        public void close()
        {
            closed = true;
        }
    }

    /**
     * A detector on a fake clock whose 5th sleep overshoots by 3,020 ms and whose other sleeps are exact, with
     * {@code grow} run on the detector's thread during each sleep (with the sleep's number); returns the split of
     * the one stall.
     */
    private static StallSplit splitOfAStallOf3020Ms(final StallCounters counters, final SleepHook grow)
        throws Exception
    {
        final AtomicLong clock = new AtomicLong();
        final AtomicInteger sleeps = new AtomicInteger();
        final AtomicReference<StallDetector> detector = new AtomicReference<>();
        final LinkedBlockingQueue<StallSplit> splits = new LinkedBlockingQueue<>();
        final StallDetector.Sleeper sleeper = nanos ->
        {
            final int n = sleeps.incrementAndGet();
            try
            {
                grow.during(n);
            }
            catch (final IOException ex)
            {
                throw new java.io.UncheckedIOException(ex);
            }
            clock.addAndGet(nanos + (n == 5 ? 3_020_000_000L : 0));
            if (n > 8)
            {
                Thread.sleep(10_000);
            }
        };
        try (StallDetector stalls = new StallDetector(RESOLUTION, THRESHOLD,
            (stall, start) -> splits.add(detector.get().lastStallSplit()), clock::get, sleeper, counters))
        {
            detector.set(stalls);
            stalls.start();
            final StallSplit split = splits.poll(5, TimeUnit.SECONDS);
            assertNotNull(split, "no stall reported");
            assertEquals(Duration.ofMillis(3_020), split.stall());
            assertEquals(split, stalls.stallSplitSince(0), "the split of the stall stallSince returns");
            assertNull(stalls.stallSplitSince(clock.get() + 1));
            return split;
        }
    }

    @FunctionalInterface
    interface SleepHook
    {
        void during(int sleep) throws IOException;
    }

    /**
     * Each part is its counter's growth over the sleep that overslept: 2,900 ms of the 3,020 ms stall, the rest
     * unexplained; the counters' growth during the other sleeps (1 ms each) is no part of it.
     */
    @ParameterizedTest
    @EnumSource(Part.class)
    void eachPartIsTheGrowthOfItsCounterOverTheSleepThatOverslept(final Part part) throws Exception
    {
        final DrivenCounters counters = new DrivenCounters();
        final StallSplit split = splitOfAStallOf3020Ms(counters, n ->
        {
            for (int i = 0; i < counters.values.length; i++)
            {
                counters.values[i] += 1_000_000L;
            }
            counters.values[part.ordinal()] += n == 5 ? 2_899_000_000L : 0;
        });

        for (final Part other : Part.values())
        {
            assertEquals(other == part ? Duration.ofMillis(2_900) : Duration.ofMillis(1), split.of(other),
                other + " in " + split);
            assertNull(split.unavailable(other));
        }
        assertEquals(Duration.ofMillis(3_020 - 2_902), split.unexplained());
        assertTrue(counters.opened && counters.closed, "opened on the detector's thread and closed when it ends");
    }

    @Test
    void aPartNotMeasuredIsReportedWithItsReasonAndTheStallIsStillDetected() throws Exception
    {
        final DrivenCounters counters = new DrivenCounters();
        counters.unavailable[Part.WAITING_FOR_CPU.ordinal()] = "no schedstat here";
        final StallSplit split = splitOfAStallOf3020Ms(counters, n ->
            counters.values[Part.WAITING_FOR_CPU.ordinal()] += n == 5 ? 2_000_000_000L : 0);

        assertEquals("no schedstat here", split.unavailable(Part.WAITING_FOR_CPU));
        assertEquals(Duration.ZERO, split.of(Part.WAITING_FOR_CPU));
        assertEquals(Duration.ofMillis(3_020), split.unexplained());
    }

    /**
     * A counter too costly to read at every wake-up (steal, on a large machine) is read afresh at the wake-up that
     * ends a stall: the stall's split has its growth although the plain reads never saw it.
     */
    @Test
    void theWakeUpThatEndsAStallReadsEveryCounterAfresh() throws Exception
    {
        final DrivenCounters counters = new DrivenCounters()
        {
            @Override
            public void read(final long[] nanos)
            {
                // A costly counter not read at this wake-up: the values stay as they were.
            }

            @Override
            public void readAll(final long[] nanos)
            {
                super.read(nanos);
            }
        };
        final StallSplit split = splitOfAStallOf3020Ms(counters, n ->
            counters.values[Part.STOLEN_BY_HOST.ordinal()] += n == 5 ? 2_000_000_000L : 0);

        assertEquals(Duration.ofMillis(2_000), split.of(Part.STOLEN_BY_HOST), split.toString());
    }

    /** A machine without schedstat or /proc/stat: the stall is measured all the same, the split says why not. */
    @Test
    void withoutTheProcFilesTheStallIsDetectedAndTheSplitSaysWhichPartsWereNotMeasured(@TempDir final Path dir)
        throws Exception
    {
        final StallSplit split = splitOfAStallOf3020Ms(new StallCounters.Standard(dir.resolve("schedstat"),
            dir.resolve("stat")), n -> { });

        assertTrue(split.unavailable(Part.WAITING_FOR_CPU).startsWith("cannot read " + dir.resolve("schedstat")),
            split.toString());
        assertTrue(split.unavailable(Part.STOLEN_BY_HOST).startsWith("cannot read the steal column of " +
            dir.resolve("stat")), split.toString());
        assertEquals(split.stall(), split.of(Part.GC_PAUSE).plus(split.unexplained()));
    }

    /** A counter that fails to read after it opened stops being read; the stall after it is split without it. */
    @Test
    void aCounterWhoseReadFailsIsNotMeasuredFromThenOn(@TempDir final Path dir) throws Exception
    {
        final Path schedstat = dir.resolve("schedstat");
        final Path stat = dir.resolve("stat");
        Files.writeString(schedstat, "100 200 3\n");
        Files.writeString(stat, "cpu  10 0 10 10 0 0 0 800 0 0\ncpu0 5 0 5 5 0 0 0 400 0 0\n" +
            "cpu1 5 0 5 5 0 0 0 400 0 0\n");
        final StallSplit split = splitOfAStallOf3020Ms(new StallCounters.Standard(schedstat, stat), n ->
        {
            if (n == 3)
            {
                Files.writeString(schedstat, "garbage\n");
            }
            if (n == 5)
            {
                // 302 ticks more over 2 CPUs: 1,510 ms per CPU.
                Files.writeString(stat, "cpu  10 0 10 10 0 0 0 1102 0 0\n");
            }
        });

        assertEquals("reading " + schedstat + " failed: java.io.IOException: " + schedstat + " has no number as " +
            "field 1 of its first line 'garbage'", split.unavailable(Part.WAITING_FOR_CPU));
        assertEquals(Duration.ofMillis(1_510), split.of(Part.STOLEN_BY_HOST));
    }

    /** Opening the counters (130-360 ms on a 2-vCPU VM, the GC beans) is not the process stalling. */
    @Test
    void theTimeTheDetectorTakesToOpenItsCountersIsNotOverdue() throws Exception
    {
        final AtomicLong clock = new AtomicLong();
        final CountDownLatch opening = new CountDownLatch(1);
        final CountDownLatch proceed = new CountDownLatch(1);
        final DrivenCounters counters = new DrivenCounters()
        {
            @Override
            public void open()
            {
                clock.addAndGet(Duration.ofSeconds(1).toNanos());
                opening.countDown();
                try
                {
                    proceed.await();
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
            }
        };
        try (StallDetector detector = new StallDetector(RESOLUTION, THRESHOLD, (stall, start) -> { }, clock::get,
            nanos -> Thread.sleep(10_000), counters))
        {
            detector.start();
            opening.await();

            assertEquals(Duration.ZERO, detector.overdue(), "1 s into opening the counters");
            proceed.countDown();
        }
    }

    /**
     * The listener logs, and a logger may block (a full disk, a slow appender): 5 s in a blocked listener is no
     * stall in progress, so the watchdog does not fire on the detector's own logging.
     */
    @Test
    void aListenerThatBlocksIsNotOverdue() throws Exception
    {
        final AtomicLong clock = new AtomicLong();
        final AtomicInteger sleeps = new AtomicInteger();
        final CountDownLatch logging = new CountDownLatch(1);
        final CountDownLatch logged = new CountDownLatch(1);
        final StallDetector.Sleeper sleeper = nanos ->
        {
            final int n = sleeps.incrementAndGet();
            clock.addAndGet(nanos + (n == 2 ? 3_020_000_000L : 0));
            if (n > 2)
            {
                Thread.sleep(10_000);
            }
        };
        try (StallDetector detector = new StallDetector(RESOLUTION, THRESHOLD, (stall, start) ->
        {
            logging.countDown();
            try
            {
                logged.await();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }, clock::get, sleeper, new DrivenCounters()))
        {
            detector.start();
            assertTrue(logging.await(5, TimeUnit.SECONDS), "the stall reported");
            clock.addAndGet(Duration.ofSeconds(5).toNanos());

            assertEquals(Duration.ZERO, detector.overdue(), "5 s into a listener that blocks");
            logged.countDown();
        }
    }

    /** The detector reads its counters at every wake-up, and allocates nothing for it. */
    @Test
    void wakeUpsWithoutAStallAllocateNothing() throws Exception
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final AtomicLong clock = new AtomicLong();
        final AtomicInteger sleeps = new AtomicInteger();
        final AtomicLong allocatedAt1000 = new AtomicLong();
        final AtomicLong allocated = new AtomicLong(-1);
        final CountDownLatch measured = new CountDownLatch(1);
        final StallDetector.Sleeper sleeper = nanos ->
        {
            final int n = sleeps.incrementAndGet();
            if (n == 1_000)
            {
                allocatedAt1000.set(threads.getCurrentThreadAllocatedBytes());
            }
            else if (n == 11_000)
            {
                allocated.set(threads.getCurrentThreadAllocatedBytes() - allocatedAt1000.get());
                measured.countDown();
                Thread.sleep(10_000);
            }
            clock.addAndGet(nanos);
        };
        try (StallDetector detector = new StallDetector(RESOLUTION, THRESHOLD, (stall, start) -> { }, clock::get,
            sleeper, StallCounters.standard()))
        {
            detector.start();
            assertTrue(measured.await(60, TimeUnit.SECONDS), "10,000 wake-ups");
        }
        // A single object per wake-up would be 160,000 bytes or more; reading the allocation counter itself
        // allocates a few bytes.
        assertTrue(allocated.get() < 10_000, "10,000 wake-ups allocated " + allocated.get() + " bytes");
    }

    /**
     * A real stall of waiting for a CPU: the detector's thread, at the lowest priority (nice 19), shares one CPU with a
     * thread that never stops running, so each wake-up waits for the busy thread to give up the CPU. Where this
     * process may give the busy thread a real-time policy ({@code chrt -f}, as root) and the kernel throttles
     * real-time threads (its default: 950 ms of each second), the busy thread holds the CPU until the throttle, so the
     * detector waits up to about 950 ms every second, whatever the fair scheduler would do; otherwise the fair
     * scheduler decides, and an EEVDF kernel may run the detector within 50 ms every time (then the test skips). The
     * test asserts no length: only that the stalls the detector saw split into parts that add up, that the real
     * counters were read, and that one of them was mostly waiting for a CPU.
     */
    @Test
    void aDetectorSharingItsCpuWithABusyThreadSplitsItsStallsAsWaitingForACpu() throws Exception
    {
        assumeTrue(Files.isReadable(Path.of("/proc/thread-self/schedstat")), "no /proc/thread-self/schedstat");
        assumeTrue(run("taskset", "-V") == 0 && run("renice", "--version") == 0, "no taskset or renice");
        final String cpu = firstAllowedCpu();
        final AtomicReference<String> detectorTid = new AtomicReference<>();
        final AtomicReference<StallDetector> detector = new AtomicReference<>();
        final LinkedBlockingQueue<StallSplit> splits = new LinkedBlockingQueue<>();
        final StallDetector.Sleeper sleeper = nanos ->
        {
            if (detectorTid.get() == null)
            {
                detectorTid.set(threadId());
            }
            Thread.sleep(nanos / 1_000_000);
        };
        final AtomicReference<String> busyTid = new AtomicReference<>();
        final AtomicLong spins = new AtomicLong();
        final Thread busy = new Thread(() ->
        {
            busyTid.set(threadId());
            while (!Thread.currentThread().isInterrupted())
            {
                spins.incrementAndGet();
            }
        }, "stall-test-busy");
        final List<StallSplit> seen = new ArrayList<>();
        try (StallDetector stalls = new StallDetector(Duration.ofMillis(10), Duration.ofMillis(50),
            (stall, start) -> splits.add(detector.get().lastStallSplit()), System::nanoTime, sleeper,
            StallCounters.standard()))
        {
            detector.set(stalls);
            stalls.start();
            busy.start();
            while (detectorTid.get() == null || busyTid.get() == null)
            {
                Thread.sleep(1);
            }
            assertEquals(0, run("taskset", "-pc", cpu, busyTid.get()));
            assertEquals(0, run("taskset", "-pc", cpu, detectorTid.get()));
            assertEquals(0, run("renice", "-n", "19", "-p", detectorTid.get()));
            final boolean realTime = rtThrottled() && allowedCpus() >= 2 &&
                run("chrt", "-f", "-p", "1", busyTid.get()) == 0;
            System.out.println("[stall-split] busy thread " + (realTime ? "real-time (SCHED_FIFO 1)" : "at nice 0"));
            final long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            StallSplit split;
            while ((split = splits.poll(end - System.nanoTime(), TimeUnit.NANOSECONDS)) != null)
            {
                seen.add(split);
                if (split.of(Part.WAITING_FOR_CPU).compareTo(split.stall().dividedBy(2)) >= 0)
                {
                    break;
                }
            }
        }
        finally
        {
            busy.interrupt();
            busy.join();
        }
        System.out.println("[stall-split] " + seen.size() + " stalls with the detector at nice 19 beside a busy " +
            "thread on CPU " + cpu + ": " + seen.stream().map(s -> s.stall().toMillis() + " ms: " + s)
            .collect(java.util.stream.Collectors.joining("; ")));
        assumeTrue(!seen.isEmpty(), "this kernel ran the detector within 50 ms of each wake-up though a busy thread " +
            "shared its CPU: no stall to split");
        for (final StallSplit split : seen)
        {
            assertNull(split.unavailable(Part.WAITING_FOR_CPU), split.toString());
            assertEquals(split.stall(), split.of(Part.WAITING_FOR_CPU).plus(split.of(Part.GC_PAUSE))
                .plus(split.of(Part.STOLEN_BY_HOST)).plus(split.unexplained()), split.toString());
        }
        final StallSplit last = seen.get(seen.size() - 1);
        assertTrue(last.of(Part.WAITING_FOR_CPU).compareTo(last.stall().dividedBy(2)) >= 0, "no stall of " +
            seen.size() + " was mostly waiting for a CPU: " + seen);
    }

    /** @return the calling thread's id in the kernel, from {@code /proc/thread-self -> PID/task/TID}. */
    private static String threadId()
    {
        try
        {
            return Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
        }
        catch (final IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    private static String firstAllowedCpu() throws IOException
    {
        for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
        {
            if (line.startsWith("Cpus_allowed_list:"))
            {
                return line.substring("Cpus_allowed_list:".length()).trim().split("[-,]")[0];
            }
        }
        throw new IllegalStateException("no Cpus_allowed_list in /proc/self/status");
    }

    /**
     * @return whether the kernel throttles real-time threads, leaving the other threads of a CPU some of every period:
     * a real-time thread that never stops cannot then starve the detector, or the test, for good.
     */
    private static boolean rtThrottled()
    {
        try
        {
            // Read by lines: Files.readString reads a /proc/sys file's first byte alone, then gets end of file
            // ("9" for 950000), as its size is 0 and the kernel returns nothing past a first partial read.
            final Path kernel = Path.of("/proc/sys/kernel");
            final long runtime = Long.parseLong(Files.readAllLines(kernel.resolve("sched_rt_runtime_us")).get(0));
            final long period = Long.parseLong(Files.readAllLines(kernel.resolve("sched_rt_period_us")).get(0));
            return runtime > 0 && runtime < period;
        }
        catch (final IOException | RuntimeException ex)
        {
            return false;
        }
    }

    /** @return how many CPUs this process may run on, so a busy thread on one leaves the others free. */
    private static int allowedCpus()
    {
        return Runtime.getRuntime().availableProcessors();
    }

    /** @return the command's exit code, or -1 if it cannot run. */
    private static int run(final String... command) throws InterruptedException
    {
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return process.waitFor(10, TimeUnit.SECONDS) ? process.exitValue() : -1;
        }
        catch (final IOException ex)
        {
            return -1;
        }
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
            // A stopped thread is not runnable, so it does not wait for a CPU: the stop is no part the split knows.
            final JsonNode split = summary.get("stall").get("split");
            assertTrue(split.get("known").asBoolean(), split.toString());
            assertEquals(stalled, split.get("waitingForCpuMillis").asLong() + split.get("gcPauseMillis").asLong() +
                split.get("stolenByHostMillis").asLong() + split.get("unexplainedMillis").asLong(), split.toString());
            assertTrue(split.get("unexplainedMillis").asLong() > split.get("waitingForCpuMillis").asLong(),
                split.toString());
            final String text = java.nio.file.Files.readString(capture.resolve(Capture.SUMMARY_TXT));
            assertTrue(text.contains("\n  split:        of the stall detector's " + String.format(java.util.Locale.ROOT,
                "%,d ms: ", stalled) + split.get("text").asText() + "\n"), text);
            assertEquals("java;stalled 1\n", java.nio.file.Files.readString(capture.resolve(Capture.FOLDED)));
        }
        finally
        {
            TrapTesting.stop(child);
        }
    }
}
