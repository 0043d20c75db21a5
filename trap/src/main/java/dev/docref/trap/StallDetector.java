package dev.docref.trap;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.LongSupplier;

import dev.docref.guard.DaemonThreads;

/**
 * Measures how long the whole process stalled, the way jHiccup does: a thread sleeps a short interval over and
 * over and measures how much longer each sleep took than asked. A thread that asked for 20 ms and woke 3,020 ms
 * later was held up for 3 s by something that stopped the process: a safepoint, a GC pause, the kernel
 * (page-fault storms, {@code mmap_lock}), or a stopped or starved VM.
 * <p>
 * An over-sleep past the threshold is a <i>stall</i>: it is recorded ({@link #longestStall()},
 * {@link #stallCount()}, {@link #stallSince(long)}) and reported to the listener on the detector's thread when the
 * thread wakes, that is after the stall. {@link #overdue()} sees a stall while it lasts, from another thread that
 * is still running: {@link FreezeTrap}'s watchdog uses it to fire during the stall. A stall that stops every thread
 * of the process, the watchdog's included, can only be measured afterwards.
 * <p>
 * Each stall is also split ({@link StallSplit}, {@link #lastStallSplit()}, {@link #stallSplitSince(long)}) into
 * the time the detector's thread waited for a CPU (its run delay, from {@code /proc/thread-self/schedstat}), GC
 * pauses (the collection time of the collectors that count pauses only), time the host stole the virtual CPUs
 * ({@code /proc/stat}'s steal, per CPU) and the unexplained rest. The split is known only once the stall ends;
 * where a counter cannot be read (not Linux, no schedstat) the detector still detects stalls, and the split says
 * which part was not measured and why.
 * <p>
 * Cost: one wake-up per interval (50 per second at the default 20 ms) and no allocation per wake-up. Each wake-up
 * reads the counters: a {@code pread} of {@code /proc/thread-self/schedstat} and a native call per GC bean, and of
 * {@code /proc/stat} (steal), which the kernel generates whole for every read and so costs more the more CPUs and IRQs
 * the machine has, only as often as keeps it within 20 us per wake-up on average, and always at the wake-up that
 * ends a stall (see {@link StallCounters.Standard}). 11 us in all on a 2-vCPU VM, 0.06% of a CPU at 50 a second; on
 * any machine at most about 20 us for steal plus a few us for the rest. Only a stall allocates: its
 * {@link StallSplit}.
 * <p>
 * <b>Thread-safety:</b> all accessors are safe from any thread; {@link #start()} and {@link #close()} once each.
 */
public final class StallDetector implements AutoCloseable
{
    /** Default sleep interval: 20 ms, fine enough for stalls of 100 ms and more. */
    public static final Duration DEFAULT_RESOLUTION = Duration.ofMillis(20);

    /**
     * Told about each stall after it ends, on the detector's thread, outside the sleeps it times: a listener that
     * blocks (a logger on a full disk) is not measured as a stall nor seen as {@link #overdue()}, but the detector
     * times nothing until it returns.
     */
    @FunctionalInterface
    public interface Listener
    {
        /**
         * @param stall how much longer than asked the detector's sleep took.
         * @param start when the stall began (wall clock, estimated from its end and length).
         */
        void onStall(Duration stall, Instant start);
    }

    /** Sleeps; tests replace it to stall on demand. */
    @FunctionalInterface
    interface Sleeper
    {
        void sleepNanos(long nanos) throws InterruptedException;
    }

    private static final int RECENT = 16;
    /**
     * {@link #expectedWakeNanos} while the detector opens its counters or tells the listener about a stall: not
     * asleep, so nothing is overdue.
     */
    private static final long NOT_ASLEEP = Long.MIN_VALUE;

    private final long resolutionNanos;
    private final long thresholdNanos;
    private final Listener listener;
    private final LongSupplier nanoClock;
    private final Sleeper sleeper;
    private final StallCounters counters;
    private final Thread thread;

    /** When the current sleep should end (nanoTime); read by other threads to see a stall while it lasts. */
    private volatile long expectedWakeNanos;
    private volatile boolean closed;

    // Written by the detector's thread only, under this lock; read under it.
    private final long[] recentEnds = new long[RECENT];
    private final long[] recentLengths = new long[RECENT];
    private final StallSplit[] recentSplits = new StallSplit[RECENT];
    private int recentNext;
    private long stallCount;
    private long longestNanos;

    /**
     * @param resolution how long each sleep asks for, 1 ms or more; also the smallest useful threshold's scale.
     * @param threshold  over-sleep that counts as a stall, more than {@code resolution}.
     * @param listener   told about each stall after it ends; must return quickly.
     */
    public StallDetector(final Duration resolution, final Duration threshold, final Listener listener)
    {
        this(resolution, threshold, listener, System::nanoTime, StallDetector::sleep);
    }

    StallDetector(
        final Duration resolution, final Duration threshold, final Listener listener, final LongSupplier nanoClock,
        final Sleeper sleeper)
    {
        this(resolution, threshold, listener, nanoClock, sleeper, StallCounters.standard());
    }

    StallDetector(
        final Duration resolution, final Duration threshold, final Listener listener, final LongSupplier nanoClock,
        final Sleeper sleeper, final StallCounters counters)
    {
        if (resolution.toMillis() < 1)
        {
            throw new IllegalArgumentException("resolution = " + resolution + ": must be 1 ms or more");
        }
        if (threshold.compareTo(resolution) <= 0)
        {
            throw new IllegalArgumentException("threshold = " + threshold + " must be more than the resolution " +
                resolution + ", or scheduling noise would count as stalls");
        }
        this.resolutionNanos = resolution.toNanos();
        this.thresholdNanos = threshold.toNanos();
        this.listener = Objects.requireNonNull(listener, "listener");
        this.nanoClock = nanoClock;
        this.sleeper = sleeper;
        this.counters = Objects.requireNonNull(counters, "counters");
        this.thread = DaemonThreads.newThread("docref-stall-detector", this::run);
    }

    /** Starts the detector's daemon thread. */
    public void start()
    {
        expectedWakeNanos = nanoClock.getAsLong() + resolutionNanos;
        thread.start();
    }

    /** Stops the detector's thread and waits up to 1 s for it. */
    @Override
    public void close()
    {
        closed = true;
        thread.interrupt();
        try
        {
            thread.join(1000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /** The detector's thread, for {@link FreezeTrap#close()} to wait for. */
    Thread thread()
    {
        return thread;
    }

    /**
     * @return how far past its wake-up time the detector is right now: the length so far of a stall in progress,
     * or zero; zero too while the detector opens its counters or runs its listener, when it is not asleep (a
     * stall of the whole process in that time is measured neither then nor afterwards).
     */
    public Duration overdue()
    {
        final long expected = expectedWakeNanos;
        if (closed || !thread.isAlive() || expected == NOT_ASLEEP)
        {
            return Duration.ZERO;
        }
        return Duration.ofNanos(Math.max(0, nanoClock.getAsLong() - expected));
    }

    /** @return the threshold past which an over-sleep is a stall. */
    public Duration threshold()
    {
        return Duration.ofNanos(thresholdNanos);
    }

    /** @return the longest stall seen, or zero. */
    public synchronized Duration longestStall()
    {
        return Duration.ofNanos(longestNanos);
    }

    /** @return how many stalls were seen. */
    public synchronized long stallCount()
    {
        return stallCount;
    }

    /**
     * @param sinceNanos a {@link System#nanoTime()} value.
     * @return the longest of the last 16 stalls that ended at or after {@code sinceNanos}, or zero.
     */
    public synchronized Duration stallSince(final long sinceNanos)
    {
        final int index = longestSince(sinceNanos);
        return index < 0 ? Duration.ZERO : Duration.ofNanos(recentLengths[index]);
    }

    /**
     * @param sinceNanos a {@link System#nanoTime()} value.
     * @return the split of the stall that {@link #stallSince(long)} returns, or {@code null} if it returns zero.
     */
    public synchronized StallSplit stallSplitSince(final long sinceNanos)
    {
        final int index = longestSince(sinceNanos);
        return index < 0 ? null : recentSplits[index];
    }

    /**
     * @return the split of the last stall, or {@code null} if there was none; called from the {@link Listener}, the
     * split of the stall it is told about.
     */
    public synchronized StallSplit lastStallSplit()
    {
        return recentSplits[(recentNext + RECENT - 1) % RECENT];
    }

    /** @return the index of the longest recent stall that ended at or after {@code sinceNanos}, or -1. */
    private int longestSince(final long sinceNanos)
    {
        int longest = -1;
        for (int i = 0; i < RECENT; i++)
        {
            if (recentLengths[i] > 0 && recentEnds[i] - sinceNanos >= 0 &&
                (longest < 0 || recentLengths[i] > recentLengths[longest]))
            {
                longest = i;
            }
        }
        return longest;
    }

    private void run()
    {
        // Here, on the detector's own thread: /proc/thread-self resolves to the thread that opens it. Opening takes
        // 130-360 ms on a 2-vCPU VM (the GC beans load java.management), which is no stall of the process.
        expectedWakeNanos = NOT_ASLEEP;
        counters.open();
        try
        {
            detect();
        }
        finally
        {
            counters.close();
        }
    }

    private void detect()
    {
        final StallCounters counters = this.counters;
        // The counters at the last wake-up and at this one, swapped each time: no allocation per wake-up.
        long[] previous = new long[StallSplit.Part.values().length];
        long[] current = new long[previous.length];
        final String[] unavailable = new String[previous.length];
        counters.read(previous);
        while (!closed)
        {
            final long before = nanoClock.getAsLong();
            expectedWakeNanos = before + resolutionNanos;
            try
            {
                sleeper.sleepNanos(resolutionNanos);
            }
            catch (final InterruptedException ex)
            {
                return;
            }
            final long after = nanoClock.getAsLong();
            final long over = after - before - resolutionNanos;
            if (over <= thresholdNanos)
            {
                counters.read(current);
            }
            else
            {
                counters.readAll(current);
                final long[] grown = new long[current.length];
                for (final StallSplit.Part part : StallSplit.Part.values())
                {
                    grown[part.ordinal()] = current[part.ordinal()] - previous[part.ordinal()];
                    unavailable[part.ordinal()] = counters.unavailable(part);
                }
                record(after, over, new StallSplit(over, grown, unavailable));
                // The listener logs (FreezeTrap's INFO line), and a logger may block: on a full disk, a slow appender.
                // That is no stall of the process, and no sleep is timed meanwhile, so it is not overdue either:
                // else the watchdog would fire on the detector's own logging. The next sleep is timed afresh.
                expectedWakeNanos = NOT_ASLEEP;
                try
                {
                    listener.onStall(Duration.ofNanos(over), Instant.now().minusNanos(over));
                }
                catch (final RuntimeException ex)
                {
                    // A faulty listener must not stop stall detection.
                    System.getLogger(StallDetector.class.getName()).log(System.Logger.Level.WARNING,
                        "stall listener failed", ex);
                }
            }
            final long[] swap = previous;
            previous = current;
            current = swap;
        }
    }

    private synchronized void record(final long endNanos, final long lengthNanos, final StallSplit split)
    {
        recentEnds[recentNext] = endNanos;
        recentLengths[recentNext] = lengthNanos;
        recentSplits[recentNext] = split;
        recentNext = (recentNext + 1) % RECENT;
        stallCount++;
        longestNanos = Math.max(longestNanos, lengthNanos);
    }

    private static void sleep(final long nanos) throws InterruptedException
    {
        Thread.sleep(nanos / 1_000_000, (int)(nanos % 1_000_000));
    }

    @Override
    public String toString()
    {
        return "StallDetector{threshold=" + threshold() + ", stalls=" + stallCount() + ", longest=" +
            longestStall() + "}";
    }
}
