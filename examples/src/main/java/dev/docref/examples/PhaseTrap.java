package dev.docref.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import dev.docref.trap.FreezeTrap;
import dev.docref.trap.HealthProbe;
import dev.docref.trap.StallDetector;

/**
 * The {@link FreezeTrap} of one measured phase, and what the demo needs around it: its captures, read back from
 * their directories, and a way for the ingest thread to wait until the trap is free to capture the next resize.
 * <p>
 * The trap runs one capture at a time, spaced by a cooldown. On the heap maps a garbage-collection pause can fire it
 * (a probe past its deadline) shortly before a resize; the guard's warning for that resize would then find the trap
 * busy and the resize would go uncaptured. So before an insert that the guard will warn about, the ingest thread
 * calls {@link #awaitIdle}: the queries keep running, the ingest waits (outside any put) until the running capture
 * has ended and the cooldown has passed. Each guard warning then gets its own capture.
 * <p>
 * Where libbpf-tools' {@code offcputime} is installed (and {@code docref.trap.command} is not set), the trap runs it
 * with {@code -m 10000}: only waits of 10 ms or more are profiled. The query threads sleep about 100 us between
 * queries on the same futex path as a wait for the lock; left in, those sleeps would hide the lock waits.
 * <p>
 * <b>Thread-safety:</b> {@link #awaitIdle} from the ingest thread, the rest from the thread that runs the phase.
 * <b>Ownership:</b> owns the trap; {@link #close()} stops it.
 */
final class PhaseTrap implements AutoCloseable
{
    /** The trap's probe: one query every 100 ms. */
    static final Duration PROBE_INTERVAL = Duration.ofMillis(100);
    /** A probe query not back in 500 ms is a freeze: a healthy one takes microseconds. */
    static final Duration PROBE_DEADLINE = Duration.ofMillis(500);
    /** A stall of the whole process (a GC pause, the kernel) of 1 s or more fires the trap too. */
    static final Duration STALL_THRESHOLD = Duration.ofSeconds(1);
    /** Short, so that the next resize of the same phase can be captured too. */
    static final Duration COOLDOWN = Duration.ofSeconds(1);
    /** The trap's own cap is per hour; the demo's phases may capture every resize. */
    static final int MAX_CAPTURES_PER_HOUR = 3600;
    /** BCC's libbpf-tools build of offcputime, where Debian and Ubuntu install it. */
    static final Path LIBBPF_OFFCPUTIME = Path.of("/usr/sbin/offcputime");
    /**
     * Waits shorter than this are left out of the profile: the query threads sleep about 100 us between queries,
     * on the same futex path as a wait for the lock, and thousands of such sleeps would hide the lock waits.
     */
    static final long MIN_BLOCK_MICROS = 10_000;

    private final Duration captureDuration;
    private final PrintStream out;
    private final TrapCaptures captures;
    private final FreezeTrap trap;
    /** When the last capture completed (nanoTime), or 0. */
    private volatile long lastCompletedNanos;

    /**
     * @param dir             where captures go; captures already there are not this phase's.
     * @param probe           the health probe: one query against the phase's map.
     * @param captureDuration each capture's window.
     * @param out             where to say that a capture completed.
     * @throws ExampleFailure for a bad {@code docref.trap.*} system property.
     */
    PhaseTrap(final Path dir, final HealthProbe probe, final Duration captureDuration, final PrintStream out)
        throws IOException, ExampleFailure
    {
        this.captureDuration = captureDuration;
        this.out = out;
        this.captures = new TrapCaptures(dir, this::captureFailed);
        final FreezeTrap.Builder builder = ExampleFailure.ofSettings(FreezeTrap::builder);
        if (System.getProperty(FreezeTrap.COMMAND_PROP_NAME) == null && Files.isExecutable(LIBBPF_OFFCPUTIME))
        {
            builder.command(LIBBPF_OFFCPUTIME + " -m " + MIN_BLOCK_MICROS + " -p {pid} {seconds}");
        }
        this.trap = builder
            .dir(dir)
            .probe(probe)
            .probeInterval(PROBE_INTERVAL)
            .probeDeadline(PROBE_DEADLINE)
            .stallThreshold(STALL_THRESHOLD)
            .captureDuration(captureDuration)
            .cooldown(COOLDOWN)
            .maxCapturesPerHour(MAX_CAPTURES_PER_HOUR)
            .guardArming(true)
            .onCapture(this::captureCompleted)
            .build();
    }

    /** The trap's {@code onCapture}: the capture in {@code directory} is written; the trap frees itself next. */
    void captureCompleted(final Path directory)
    {
        captures.completed(directory);
        lastCompletedNanos = System.nanoTime();
        out.println("  trap: capture complete: " + directory.resolve("offcpu.svg"));
    }

    /**
     * A capture found failed part way: it ended, unreported, and the trap freed itself just after, so its cooldown
     * starts now, as a completed capture's does.
     */
    private void captureFailed(final Path directory)
    {
        lastCompletedNanos = System.nanoTime();
        out.println("  trap: " + TrapCaptures.failedPartWay(directory));
    }

    /**
     * Starts the trap's probe, stall detector and guard listener.
     *
     * @throws ExampleFailure if the trap cannot use its directory.
     */
    void start() throws ExampleFailure
    {
        ExampleFailure.ofSettings(trap::start);
    }

    /**
     * Waits until no capture of this phase is being written and the cooldown since the last one has passed, at
     * most one capture window and 15 s more.
     *
     * @param reason printed when it has to wait.
     */
    void awaitIdle(final Supplier<String> reason) throws InterruptedException
    {
        final long deadline = System.nanoTime() + captureDuration.plusSeconds(15).toNanos();
        boolean told = false;
        while (System.nanoTime() - deadline < 0)
        {
            // pending() first: finding a failed capture starts its cooldown.
            final boolean written = pending().isEmpty();
            final long completed = lastCompletedNanos;
            final boolean cooling = completed != 0 &&
                System.nanoTime() - completed < COOLDOWN.plusMillis(200).toNanos();
            if (written && !cooling)
            {
                return;
            }
            if (!told)
            {
                out.println("  " + reason.get());
                told = true;
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    /** Waits for captures still being written when the phase ended, up to their window and 60 s more. */
    void awaitPending() throws InterruptedException
    {
        // A trigger in the phase's last moments creates its directory a few milliseconds after it fires.
        TimeUnit.MILLISECONDS.sleep(300);
        final long deadline = System.nanoTime() + captureDuration.plusSeconds(60).toNanos();
        boolean told = false;
        while (true)
        {
            final List<Path> pending = pending();
            if (pending.isEmpty())
            {
                return;
            }
            if (System.nanoTime() - deadline > 0)
            {
                out.println("  trap: a capture is still not complete; going on without it: " + pending);
                return;
            }
            if (!told)
            {
                out.printf(Locale.ROOT, "  trap: waiting for the capture to finish its %d s window: %s%n",
                    captureDuration.toSeconds(), pending.get(0));
                told = true;
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }

    /** @return the stall detector's longest stall so far, in nanoseconds; 0 without a detector. */
    long longestStallNanos()
    {
        final StallDetector detector = trap.stallDetector();
        return detector == null ? 0 : detector.longestStall().toNanos();
    }

    /**
     * @param phaseStart the phase's start, to place each capture on its time axis.
     * @return this phase's captures, oldest first.
     */
    List<PhaseResult.CaptureRecord> captures(final Instant phaseStart) throws IOException
    {
        return captures.captures(phaseStart);
    }

    @Override
    public void close()
    {
        trap.close();
    }

    /**
     * @return this phase's capture directories still being written: not reported complete through {@code onCapture}
     * and not holding {@link TrapCaptures#FAILURE}. A failed capture is never reported; counted as pending, it made
     * each later {@link #awaitIdle} wait its whole limit and {@link #awaitPending} its 60 s. The first call to find
     * one says so and starts the cooldown, as a completed capture does, since the trap frees itself just after
     * writing it.
     */
    List<Path> pending()
    {
        return captures.pending();
    }
}
