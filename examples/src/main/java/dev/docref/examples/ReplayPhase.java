package dev.docref.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import dev.docref.guard.AllocationDecision;
import dev.docref.guard.AllocationEvent;
import dev.docref.guard.AllocationGuard;
import dev.docref.guard.AllocationListener;
import dev.docref.guard.GuardMode;
import dev.docref.guard.PropertyValues;
import dev.docref.guard.ResizeForecast;

import org.HdrHistogram.Histogram;

/**
 * One run of the feed simulation on one map: an ingest thread puts {@code keys[0..entries)} in order, each mapped
 * to its index as docRef, while query threads look up random keys already ingested, and checks every answer.
 * <p>
 * <b>Ingest.</b> Each put is timed on its own, lock included: the longest is the worst ingest stall. Before the
 * insert that a doubling map's {@link ResizeForecast} says will resize it, the ingest thread shows the forecast to
 * {@link AllocationGuard#global()} ({@code checkResize}, which counts the whole resize, both of fastutil's arrays
 * together, against the single-allocation limit). Around a resize the guard will warn about, the ingest
 * thread waits, outside the lock and outside the timed put, while the queries go on: first until the trap is free to
 * capture (see {@link PhaseTrap#awaitIdle}), then, after the warning, the arming delay, so that the profiler the
 * warning starts is attached when the resize begins.
 * <p>
 * <b>Queries.</b> Each query thread has a schedule, one query every {@code interval}, and a query's latency runs
 * from when it was due, so the queries that pile up behind a frozen one count their wait (no coordinated omission).
 * A thread that is on time sleeps until the next query is due and then measures from when it woke, so timer slack is
 * not charged to the map. Latencies go into an HdrHistogram (1 ns to 1 hour, 3 significant digits) and, for the
 * chart, into the worst latency of each 10 ms of the schedule.
 * <p>
 * <b>Thread-safety:</b> {@link #run} once, from one thread; it starts and joins its own threads. The results are
 * read after {@code run} returns.
 */
final class ReplayPhase
{
    /** Width of one timeline bucket: the chart's resolution. */
    static final long BUCKET_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** Timeline length: one hour of 10 ms buckets (2.9 MB per thread); later samples land in the last bucket. */
    static final int MAX_BUCKETS = 360_000;
    /** What the doubling maps tell the guard; stable, as the guard rate-limits its log per {@code what}. */
    static final String GUARD_WHAT = "feed index resize";
    /** Queries keep running this long after the last put, so the chart shows the recovery. */
    static final Duration TAIL = Duration.ofMillis(500);
    private static final long HIGHEST_TRACKABLE_NANOS = TimeUnit.HOURS.toNanos(1);
    private static final long PROGRESS_INTERVAL_MILLIS = 1_000;

    /**
     * A warning of the allocation guard during the phase.
     *
     * @param atNanos      when, from the phase's start.
     * @param bytes        what the guard warned about: a doubling map's whole resize, everything its one insert
     *                     allocates (both of fastutil's arrays), or a docref map's own allocation.
     * @param arrays       how many arrays that is: 2 for fastutil's keys and values, else 1.
     * @param largestBytes the largest of them ({@code bytes} for one).
     * @param what         what the allocation was for.
     * @param forecast     the resize's forecast, or {@code null}.
     * @param insidePut    whether the guard decided inside a put of the ingest thread, so that its work (the
     *                     listeners, the trap's start, the log with its stack trace) is timed in that put: a docref
     *                     map's own allocations. A doubling map's resize check is made between puts.
     * @param thread       the thread the guard decided on.
     */
    record GuardWarning(
        long atNanos, long bytes, int arrays, long largestBytes, String what, String forecast, boolean insidePut,
        String thread)
    {
        /** @return what the guard warned about, and its arrays when there are several. */
        String describe()
        {
            return ReplayPhase.describe(bytes, arrays, largestBytes);
        }
    }

    private final FeedIndex.Kind kind;
    private final long[] keys;
    private final int entries;
    private final ReplayOptions options;
    private final boolean measured;
    private final PhaseTrap trap;
    private final String label;
    private final AtomicLong ingested = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final List<GuardWarning> warnings = new CopyOnWriteArrayList<>();
    /** When the ingest thread waited for the trap ({@code [start, end]} from the phase's start, nanoseconds). */
    private final List<long[]> ingestPauses = new CopyOnWriteArrayList<>();
    private final long[] putTimeline;
    private final QueryLoop[] queries;
    private volatile boolean stopQueries;
    /**
     * The forecast the ingest thread is showing the guard, for the warning's record, while it does so between two
     * puts; {@code null} otherwise, and so always inside a put.
     */
    private volatile ResizeForecast pendingForecast;
    /** The ingest thread, to tell the guard's warnings inside its puts from those on other threads. */
    private volatile Thread ingestThread;

    private volatile long worstPutNanos;
    private long worstPutStartNanos;
    private long startNanos;
    private Instant startInstant;
    private long ingestEndNanos;
    private long endNanos;
    private long ingestPauseNanos;

    /**
     * @param trap the measured phase's trap; {@code null} for a warm-up, which neither checks the guard nor keeps
     *             timelines.
     */
    ReplayPhase(
        final FeedIndex.Kind kind, final long[] keys, final int entries, final ReplayOptions options,
        final PhaseTrap trap)
    {
        this.kind = kind;
        this.keys = keys;
        this.entries = entries;
        this.options = options;
        this.measured = trap != null;
        this.trap = trap;
        this.label = (measured ? "" : "warm-up ") + kind.id;
        final int buckets = measured ? MAX_BUCKETS : 1;
        this.putTimeline = new long[buckets];
        this.queries = new QueryLoop[options.queryThreads];
        for (int t = 0; t < queries.length; t++)
        {
            queries[t] = new QueryLoop(t, buckets);
        }
    }

    /**
     * Ingests every key into {@code index} while the query threads run, then lets the queries run for
     * {@link #TAIL}, and stops them.
     *
     * @param index    an empty index of this phase's kind; the caller owns it.
     * @param progress where to print progress, or {@code null} for none.
     * @throws IllegalStateException if a query got a wrong answer or a thread failed; the ingest stops at the next put.
     */
    void run(final FeedIndex index, final PrintStream progress) throws InterruptedException
    {
        final List<Thread> started = new ArrayList<>();
        final AllocationListener listener = this::onGuardEvent;
        if (measured)
        {
            AllocationGuard.global().addListener(listener);
        }
        try
        {
            startInstant = Instant.now();
            startNanos = System.nanoTime();
            final Thread ingest = new Thread(() -> guarded(() -> ingest(index)), ingestThreadName(kind, measured));
            ingestThread = ingest;
            started.add(ingest);
            ingest.start();
            final Thread[] queryThreads = new Thread[queries.length];
            for (int t = 0; t < queries.length; t++)
            {
                final QueryLoop loop = queries[t];
                queryThreads[t] = new Thread(() -> guarded(() -> loop.run(index)),
                    (measured ? "feed-query-" : "warmup-query-") + kind.id + "-" + t);
                started.add(queryThreads[t]);
                queryThreads[t].start();
            }
            while (ingest.isAlive())
            {
                ingest.join(PROGRESS_INTERVAL_MILLIS);
                if (progress != null && ingest.isAlive())
                {
                    progress.println(progressLine());
                }
                if (failure.get() != null)
                {
                    break;
                }
            }
            ingest.join();
            ingestEndNanos = System.nanoTime();
            if (failure.get() == null)
            {
                Thread.sleep(TAIL.toMillis());
            }
            stopQueries = true;
            for (final Thread thread : queryThreads)
            {
                thread.join();
            }
            endNanos = System.nanoTime();
        }
        finally
        {
            stopQueries = true;
            // Left early (interrupted): stop the ingest at its next put and wait for every thread, so that the caller's
            // close() of the index never runs under a thread still reading it (a docref map's memory is freed then).
            endThreads(started);
            if (measured)
            {
                AllocationGuard.global().removeListener(listener);
            }
        }
        final Throwable failed = failure.get();
        if (failed != null)
        {
            throw new IllegalStateException(label + " failed: " + failed, failed);
        }
        if (progress != null)
        {
            progress.println(progressLine());
        }
    }

    /**
     * Ends the phase's threads if {@link #run} leaves before they ended: the ingest stops at its next put (as for a
     * failure) and the queries at their next get; waits for them, keeping the caller's interrupt for after the wait.
     */
    private void endThreads(final List<Thread> started)
    {
        if (started.stream().noneMatch(Thread::isAlive))
        {
            return;
        }
        failure.compareAndSet(null, new InterruptedException(label + " was interrupted"));
        boolean interrupted = Thread.interrupted();
        for (final Thread thread : started)
        {
            while (thread.isAlive())
            {
                try
                {
                    thread.join();
                }
                catch (final InterruptedException ex)
                {
                    interrupted = true;
                }
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
    }

    private void ingest(final FeedIndex index) throws InterruptedException
    {
        final long[] keys = this.keys;
        final int entries = this.entries;
        final long[] timeline = this.putTimeline;
        final AtomicLong ingested = this.ingested;
        final AtomicReference<Throwable> failure = this.failure;
        final long start = startNanos;
        final boolean checkGuard = measured && kind.doubles();
        long checkAt = checkGuard ? index.forecast().resizeAtSize() : Long.MAX_VALUE;
        long worst = 0;
        for (int i = 0; i < entries; i++)
        {
            // A query thread got a wrong answer or failed, so the run fails: stop now rather than after the rest of
            // the keys (minutes at the incident's scale). Between puts, outside their times.
            if (failure.get() != null)
            {
                return;
            }
            // size() is O(1) on the doubling maps, the only ones checked; a docref map's sums its segments.
            if (checkGuard && index.size() + 1 >= checkAt)
            {
                checkResize(index);
            }
            final long before = System.nanoTime();
            index.put(keys[i], i);
            final long after = System.nanoTime();
            final long nanos = after - before;
            keepWorst(timeline, before - start, nanos);
            if (nanos > worst)
            {
                worst = nanos;
                worstPutStartNanos = before - start;
                worstPutNanos = nanos;
            }
            ingested.setRelease(i + 1);
            if (checkGuard && index.size() >= checkAt)
            {
                checkAt = index.forecast().resizeAtSize();
            }
        }
    }

    /**
     * The forecast says the next insert resizes: show it to the guard first, and give the trap time to arm.
     * <p>
     * {@link AllocationGuard#checkResize} holds the whole resize, {@link ResizeForecast#nextResizeBytes()}, to the
     * single-allocation limit: HashMap's one new table, both of fastutil's new arrays together. So the guard warns
     * before fastutil's resize to 2^22 slots at the default scale, whose two arrays of 32 MiB and 24 bytes are over
     * the 64 MiB limit together though neither is alone; its message, and the demo's record of the warning, give
     * the arrays.
     */
    private void checkResize(final FeedIndex index) throws InterruptedException
    {
        final ResizeForecast forecast = index.forecast();
        if (forecast.insertsUntilResize() != 1)
        {
            return;
        }
        final AllocationGuard guard = AllocationGuard.global();
        final long pauseStart = System.nanoTime();
        if (guard.mode() == GuardMode.WARN && forecast.nextResizeBytes() > guard.singleAllocationLimit())
        {
            trap.awaitIdle(() -> String.format(Locale.ROOT, "[%s] the guard will warn about the next resize (%s) " +
                "and the trap is busy with an earlier capture: the ingest waits for it, the queries go on",
                label, describe(forecast.nextResizeBytes(), forecast.nextResizeAllocations(),
                    forecast.nextResizeLargestAllocationBytes())));
        }
        final int before = warnings.size();
        pendingForecast = forecast;
        try
        {
            guard.checkResize(forecast, GUARD_WHAT);
        }
        finally
        {
            pendingForecast = null;
        }
        if (warnings.size() > before && !options.armingDelay.isZero())
        {
            Thread.sleep(options.armingDelay.toMillis());
        }
        final long pauseEnd = System.nanoTime();
        if (pauseEnd - pauseStart > TimeUnit.MILLISECONDS.toNanos(1))
        {
            ingestPauses.add(new long[] { pauseStart - startNanos, pauseEnd - startNanos });
        }
        ingestPauseNanos += pauseEnd - pauseStart;
    }

    /**
     * @return bytes of a resize (or allocation), and its arrays when there are several: {@code 64.00 MiB} for
     * HashMap's table, {@code 256.00 MiB in all, 2 arrays of 128.00 MiB} for fastutil's keys and values.
     */
    static String describe(final long bytes, final int arrays, final long largestBytes)
    {
        if (arrays <= 1)
        {
            return PropertyValues.formatBytes(bytes);
        }
        return String.format(Locale.ROOT, "%s in all, %d arrays %s %s", PropertyValues.formatBytes(bytes), arrays,
            largestBytes * arrays == bytes ? "of" : "of up to", PropertyValues.formatBytes(largestBytes));
    }

    /** Called by the guard, synchronously, on the thread that made the check. */
    private void onGuardEvent(final AllocationEvent event)
    {
        if (event.decision() == AllocationDecision.WARNED)
        {
            final ResizeForecast forecast = pendingForecast;
            final Thread thread = Thread.currentThread();
            warnings.add(new GuardWarning(System.nanoTime() - startNanos, event.bytes(),
                forecast == null ? 1 : forecast.nextResizeAllocations(),
                forecast == null ? event.bytes() : forecast.nextResizeLargestAllocationBytes(), event.what(),
                forecast == null ? null : forecast.toString(), thread == ingestThread && forecast == null,
                thread.getName()));
        }
    }

    private void guarded(final Task task)
    {
        try
        {
            task.run();
        }
        catch (final Throwable ex)
        {
            failure.compareAndSet(null, ex);
        }
    }

    private String progressLine()
    {
        final long done = ingested.get();
        long worstQuery = 0;
        long answered = 0;
        for (final QueryLoop loop : queries)
        {
            worstQuery = Math.max(worstQuery, loop.worstNanos);
            answered += loop.answeredOpaque();
        }
        return String.format(Locale.ROOT, "  [%s] %,d / %,d keys (%.0f%%), %.1f s; worst put %s; %,d queries, " +
            "worst %s", label, done, entries, 100.0 * done / entries, (System.nanoTime() - startNanos) / 1e9,
            formatNanos(worstPutNanos), answered, formatNanos(worstQuery));
    }

    /** Keeps {@code nanos} in the timeline if it is the worst of its 10 ms so far. */
    private static void keepWorst(final long[] timeline, final long sinceStartNanos, final long nanos)
    {
        final int bucket = bucket(sinceStartNanos, timeline.length);
        if (nanos > timeline[bucket])
        {
            timeline[bucket] = nanos;
        }
    }

    static int bucket(final long sinceStartNanos, final int buckets)
    {
        final long bucket = Math.max(0, sinceStartNanos) / BUCKET_NANOS;
        return (int)Math.min(bucket, buckets - 1);
    }

    static String ingestThreadName(final FeedIndex.Kind kind, final boolean measured)
    {
        return (measured ? "feed-ingest-" : "warmup-ingest-") + kind.id;
    }

    /** A duration for people: {@code 412 ns}, {@code 3.2 us}, {@code 12.3 ms}, {@code 1.23 s}. */
    static String formatNanos(final long nanos)
    {
        if (nanos < 1_000)
        {
            return nanos + " ns";
        }
        if (nanos < 1_000_000)
        {
            return String.format(Locale.ROOT, "%.1f us", nanos / 1e3);
        }
        if (nanos < 1_000_000_000)
        {
            return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
        }
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }

    // ---- results, read after run() --------------------------------------------------------------------------

    FeedIndex.Kind kind()
    {
        return kind;
    }

    int entries()
    {
        return entries;
    }

    Instant startInstant()
    {
        return startInstant;
    }

    /** @return from the start to the last query, in nanoseconds. */
    long durationNanos()
    {
        return endNanos - startNanos;
    }

    /** @return from the start to the last put, in nanoseconds. */
    long ingestNanos()
    {
        return ingestEndNanos - startNanos;
    }

    /**
     * @return time the ingest thread spent between puts around a doubling map's resize: showing the guard the
     * resize (its check and, over the limit, its warning: listeners, the trap's start, the log), waiting for the
     * trap to be free, and the arming delay. 0 for a docref map, which shows the guard its allocations inside its
     * puts (see {@link #warningsInsidePuts()}).
     */
    long ingestPauseNanos()
    {
        return ingestPauseNanos;
    }

    /** @return the guard's warnings made inside the ingest thread's puts, whose work those puts' times include. */
    long warningsInsidePuts()
    {
        return warnings.stream().filter(GuardWarning::insidePut).count();
    }

    /** @return whether a guard warning was made inside the longest put, and so is part of its time. */
    boolean worstPutHoldsAWarning()
    {
        return warnings.stream().anyMatch(warning -> warning.insidePut() &&
            warning.atNanos() >= worstPutStartNanos && warning.atNanos() <= worstPutStartNanos + worstPutNanos);
    }

    /**
     * @return what the ingest did besides its puts, and what its puts' times hold besides the map, for the
     * progress line: {@code ingest 3.7 s, 3.4 s of it between puts around the guard's resize checks (...)} for
     * a doubling map; {@code ingest 0.5 s; 35 guard warnings inside its puts, timed with them (...)} for a docref
     * map whose allocations cross the limit.
     */
    String describeIngest()
    {
        final StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "ingest %.1f s", ingestNanos() / 1e9));
        if (kind.doubles())
        {
            text.append(String.format(Locale.ROOT, ", %.1f s of it between puts around the guard's resize checks " +
                "(the guard's check and warning, waiting for the trap to be free, the arming delay)",
                ingestPauseNanos / 1e9));
        }
        final long inside = warningsInsidePuts();
        if (inside > 0)
        {
            text.append(String.format(Locale.ROOT, "; %d guard warning%s inside its puts, timed with them (the " +
                "guard's log, the trap's start)%s", inside, inside == 1 ? "" : "s",
                worstPutHoldsAWarning() ? ", one in the worst put" : ""));
        }
        return text.toString();
    }

    long worstPutNanos()
    {
        return worstPutNanos;
    }

    /** @return when the longest put started, in nanoseconds from the start. */
    long worstPutStartNanos()
    {
        return worstPutStartNanos;
    }

    /** @return the longest put of each {@link #BUCKET_NANOS}, by start time. */
    long[] putTimeline()
    {
        return putTimeline;
    }

    /** @return when the ingest thread waited for the trap: {@code [start, end]} nanoseconds from the start. */
    List<long[]> ingestPauses()
    {
        return List.copyOf(ingestPauses);
    }

    List<GuardWarning> warnings()
    {
        return List.copyOf(warnings);
    }

    /** @return every query thread's latencies in one histogram. */
    Histogram queryLatencies()
    {
        final Histogram all = new Histogram(HIGHEST_TRACKABLE_NANOS, 3);
        for (final QueryLoop loop : queries)
        {
            all.add(loop.latencies);
        }
        return all;
    }

    /** @return the worst query latency of each {@link #BUCKET_NANOS}, by when the query was due. */
    long[] queryTimeline()
    {
        final long[] merged = new long[queries[0].timeline.length];
        for (final QueryLoop loop : queries)
        {
            for (int i = 0; i < merged.length; i++)
            {
                merged[i] = Math.max(merged[i], loop.timeline[i]);
            }
        }
        return merged;
    }

    @FunctionalInterface
    private interface Task
    {
        void run() throws Exception;
    }

    /** One query thread's schedule, histogram and timeline. Written by its thread, read after it is joined. */
    private final class QueryLoop
    {
        private final int number;
        private final Histogram latencies = new Histogram(HIGHEST_TRACKABLE_NANOS, 3);
        private final long[] timeline;
        /** For progress lines only, written when it grows. */
        private volatile long worstNanos;
        private final AtomicLong answered = new AtomicLong();

        QueryLoop(final int number, final int buckets)
        {
            this.number = number;
            this.timeline = new long[buckets];
        }

        long answeredOpaque()
        {
            return answered.getOpaque();
        }

        void run(final FeedIndex index)
        {
            final long[] keys = ReplayPhase.this.keys;
            final AtomicLong ingested = ReplayPhase.this.ingested;
            final Histogram latencies = this.latencies;
            final long[] timeline = this.timeline;
            final long interval = options.queryIntervalNanos();
            final long start = startNanos;
            final SplittableRandom random = new SplittableRandom(options.seed * 31 + number);
            while (ingested.getAcquire() == 0 && !stopQueries)
            {
                LockSupport.parkNanos(interval);
            }
            long due = System.nanoTime();
            long count = 0;
            long worst = 0;
            boolean slept = false;
            while (!stopQueries)
            {
                final long now = System.nanoTime();
                if (now < due)
                {
                    LockSupport.parkNanos(due - now);
                    slept = true;
                    continue;
                }
                // On time: measure from waking, so timer slack is not the map's. Late: from when it was due.
                final long begin = slept ? now : due;
                slept = false;
                final int available = (int)ingested.getAcquire();
                final int i = random.nextInt(available);
                final long key = keys[i];
                final long docRef = index.get(key);
                final long end = System.nanoTime();
                if (docRef < 0 || docRef >= keys.length || keys[(int)docRef] != key)
                {
                    throw new IllegalStateException(String.format(Locale.ROOT, "%s: query of key #%,d (%d) " +
                        "returned %d: the map lost or corrupted an entry", kind.title, i, key, docRef));
                }
                final long latency = end - begin;
                latencies.recordValue(Math.min(latency, HIGHEST_TRACKABLE_NANOS));
                keepWorst(timeline, due - start, latency);
                if (latency > worst)
                {
                    worst = latency;
                    worstNanos = latency;
                }
                answered.setOpaque(++count);
                due += interval;
            }
        }
    }

    /** @return a one-line description of the load, for the output. */
    static String describeLoad(final ReplayOptions options)
    {
        return String.format(Locale.ROOT, "1 ingest thread; %d query thread%s, %,d queries/s in all (one every %s " +
            "per thread); guard limit %s", options.queryThreads, options.queryThreads == 1 ? "" : "s",
            options.queriesPerSecond, formatNanos(options.queryIntervalNanos()),
            PropertyValues.formatBytes(options.guardLimit()));
    }
}
