package dev.docref.trap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

import dev.docref.guard.AllocationDecision;
import dev.docref.guard.AllocationEvent;
import dev.docref.guard.AllocationGuard;
import dev.docref.guard.AllocationListener;
import dev.docref.guard.DaemonThreads;
import dev.docref.guard.PropertyValues;

/**
 * A trap for short freezes: it notices a freeze while it is happening and captures an off-CPU profile of it with
 * BCC's {@code offcputime}, plus thread dumps, memory figures and optionally a JFR recording.
 * <p>
 * Three triggers fire a capture: a {@link HealthProbe} that does not return within its deadline (enforced by a
 * watchdog thread, not by the probe) or fails N times in a row; the {@link StallDetector} seeing the whole process
 * held up past its threshold; and the allocation guard warning about an allocation over a limit in WARN mode, so
 * that the profile covers the allocation itself. A capture writes one
 * {@code capture-<UTC timestamp>-pid<PID>-<trigger>/} directory under {@code docref.trap.dir}; at most one capture
 * runs at a time, captures are spaced by a cooldown, capped per hour and held to a disk budget (oldest deleted
 * first, never one another live JVM sharing the directory is still writing). What the machine lacks for a profile
 * (root, a tool) is logged once at start and written in every capture's summary.
 * <pre>{@code
 * try (FreezeTrap trap = FreezeTrap.builder()          // defaults, then docref.trap.* system properties
 *         .probe(() -> index.get(42))                   // anything a freeze would stop
 *         .build())
 * {
 *     trap.start();
 *     serve();
 * }
 * }</pre>
 * <b>Limits.</b> In-process the trap shares its process's fate: a freeze that stops every Java thread (a stuck
 * safepoint) stops the watchdog too, and one that holds the process's {@code mmap_lock} delays starting the
 * profiler, which needs {@code fork}. Such a freeze is still measured afterwards by the stall detector; to profile
 * it while it lasts, watch from another process: {@code java -jar docref-trap.jar watch --pid PID ...}.
 * <p>
 * <b>Threads and ownership:</b> {@link #start()} starts daemon threads (watchdog, probe, stall detector, capture,
 * profiler, evidence) that {@link #close()} stops; a capture running at close is interrupted and its tool killed.
 * None takes the starting thread's inherited thread-local values; the probe and capture threads, which run the
 * application's probe and {@code onCapture} listener, get the context class loader of the thread that called
 * {@link #start()}.
 * Any thread may call any method. The allocation guard's listener only hands off to the capture thread and returns.
 */
public final class FreezeTrap implements AutoCloseable
{
    /**
     * {@code docref.trap.enabled}: {@code false} makes {@link #start()} do nothing, a switch for operations.
     * Default {@code true}.
     */
    public static final String ENABLED_PROP_NAME = "docref.trap.enabled";
    /** Default {@link #ENABLED_PROP_NAME}. */
    public static final boolean DEFAULT_ENABLED = true;

    /** {@code docref.trap.dir}: the directory that receives capture directories. Default {@link #DEFAULT_DIR}. */
    public static final String DIR_PROP_NAME = "docref.trap.dir";
    /** Default {@link #DIR_PROP_NAME}: {@code docref-trap} in {@code java.io.tmpdir}. */
    public static final String DEFAULT_DIR = Path.of(System.getProperty("java.io.tmpdir"), "docref-trap").toString();

    /**
     * {@code docref.trap.stall.threshold}: an over-sleep of the {@link StallDetector} longer than this is a stall
     * and fires a capture. 50ms to 1h; default 1s.
     */
    public static final String STALL_THRESHOLD_PROP_NAME = "docref.trap.stall.threshold";
    /** Default {@link #STALL_THRESHOLD_PROP_NAME}: 1 s, longer than any GC pause a healthy service shows. */
    public static final Duration DEFAULT_STALL_THRESHOLD = Duration.ofSeconds(1);

    /** {@code docref.trap.probe.interval}: time between the end of one probe and the start of the next. */
    public static final String PROBE_INTERVAL_PROP_NAME = "docref.trap.probe.interval";
    /** Default {@link #PROBE_INTERVAL_PROP_NAME}: 1 s. */
    public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(1);

    /** {@code docref.trap.probe.deadline}: a probe not back by then is a freeze and fires a capture. */
    public static final String PROBE_DEADLINE_PROP_NAME = "docref.trap.probe.deadline";
    /** Default {@link #PROBE_DEADLINE_PROP_NAME}: 2 s. */
    public static final Duration DEFAULT_PROBE_DEADLINE = Duration.ofSeconds(2);

    /** {@code docref.trap.capture.duration}: the off-CPU profile's window, whole seconds from 1s to 1h. */
    public static final String CAPTURE_DURATION_PROP_NAME = "docref.trap.capture.duration";
    /** Default {@link #CAPTURE_DURATION_PROP_NAME}: 15 s, longer than the 10-15 s freezes of the incident. */
    public static final Duration DEFAULT_CAPTURE_DURATION = Duration.ofSeconds(15);

    /** {@code docref.trap.cooldown}: time from the end of a capture to the start of the next; 0 to 24h. */
    public static final String COOLDOWN_PROP_NAME = "docref.trap.cooldown";
    /** Default {@link #COOLDOWN_PROP_NAME}: 5 min. */
    public static final Duration DEFAULT_COOLDOWN = Duration.ofMinutes(5);

    /** {@code docref.trap.max.captures.per.hour}: captures that may start in any 60 minutes, 1 to 3600. */
    public static final String MAX_CAPTURES_PER_HOUR_PROP_NAME = "docref.trap.max.captures.per.hour";
    /** Default {@link #MAX_CAPTURES_PER_HOUR_PROP_NAME}: 6. */
    public static final int DEFAULT_MAX_CAPTURES_PER_HOUR = 6;

    /**
     * {@code docref.trap.max.disk}: disk budget of all captures in the directory; the oldest is deleted first.
     * 1MiB or more.
     */
    public static final String MAX_DISK_PROP_NAME = "docref.trap.max.disk";
    /**
     * Default {@link #MAX_DISK_PROP_NAME}: 512 MiB. A capture without JFR is typically 50-500 KiB; with JFR add
     * 5-30 MiB (5 minutes of the default settings).
     */
    public static final long DEFAULT_MAX_DISK = 512L << 20;

    /**
     * {@code docref.trap.command}: a shell command that prints off-CPU stacks, tried before the BCC tools;
     * {@code {pid}} and {@code {seconds}} are replaced. Default: none. Without {@code {pid}} the command profiles
     * the whole machine, which may be intended: {@link #start()} says so in one {@code INFO} line.
     */
    public static final String COMMAND_PROP_NAME = "docref.trap.command";

    /** {@code docref.trap.jfr}: {@code true} keeps a continuous JFR recording and dumps it into each capture. */
    public static final String JFR_PROP_NAME = "docref.trap.jfr";
    /** Default {@link #JFR_PROP_NAME}: {@code false}. */
    public static final boolean DEFAULT_JFR = false;

    /** Default {@link Builder#probeFailures(int)}: 3 failures in a row. */
    public static final int DEFAULT_PROBE_FAILURES = 3;

    private static final System.Logger LOG = System.getLogger(FreezeTrap.class.getName());
    private static final Duration MIN_STALL_THRESHOLD = Duration.ofMillis(50);
    private static final Duration MIN_PROBE_TIME = Duration.ofMillis(10);
    private static final Duration MAX_TIME = Duration.ofHours(1);
    private static final long MIN_DISK = 1L << 20;
    private static final int MAX_PER_HOUR = 3600;
    /**
     * How long {@link #close()} waits for each of the capture and profiler threads, and then for the trap's other
     * threads together: long enough for a tool's kill, short enough that a thread held up in something that ignores
     * its interrupt (a hung probe, a read the kernel holds) cannot hang {@code close()}.
     */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(10);
    /** "No probe running": {@link System#nanoTime()} does not return this in practice (292 years of uptime). */
    private static final long IDLE = Long.MIN_VALUE;

    private final TrapSettings settings;
    /** Where the directory came from, as {@link #start()}'s error names it: the property or a command-line flag. */
    private final String dirSource;
    private final long pid;
    private final HealthProbe probe;
    private final int probeFailures;
    private final boolean stallDetection;
    private final boolean guardArming;
    private final Consumer<Path> onCapture;
    private final OffCpuProfiler profiler;
    /** Creates the trap's own threads: {@link DaemonThreads#newThread}, unless a test fails one. */
    private final ThreadMaker threads;
    private final DetectorMaker detectors;
    private final CaptureStore store;
    private final CaptureThrottle throttle;
    private final Set<String> logged = ConcurrentHashMap.newKeySet();
    private final AllocationListener guardListener = this::onAllocation;
    /** The start of the probe run the deadline trigger last fired for, so each hanging run fires once. */
    private final AtomicLong reportedProbe = new AtomicLong(IDLE);

    private volatile boolean running;
    private volatile boolean closed;
    /** When the running probe started (nanoTime), {@link #IDLE} when no probe runs. */
    private volatile long probeStartedNanos = IDLE;
    private final Object slowProbeLock = new Object();
    private boolean slowProbeSeen;
    private long slowProbeStartNanos;
    private long slowProbeEndNanos;

    private StallDetector stallDetector;
    private Thread watchdog;
    private Thread prober;
    /** The capture thread and the profiler thread: both started by {@link #start()}, before anything can fire. */
    private volatile ThreadPoolExecutor captures;
    private volatile ThreadPoolExecutor profilers;
    /**
     * The threads of those two executors, for {@link #close()} to wait for: an executor counts as terminated once its
     * thread has run its last task, while the thread may still be alive.
     */
    private final Queue<Thread> pooledThreads = new ConcurrentLinkedQueue<>();
    /** The thread of a capture's reads that may hang, also started by {@link #start()}. */
    private volatile EvidenceReader evidence;
    /** Closes the trap when the JVM exits, so that a tool a capture started does not outlive it. */
    private Thread exitHook;
    /** The guard {@link #start()} added {@link #guardListener} to, for {@link #close()}; {@code null} if none. */
    private AllocationGuard armedGuard;
    private ContinuousRecording recording;
    private String recordingProblem;

    private FreezeTrap(final Builder builder, final OffCpuProfiler profiler)
    {
        this.settings = builder.settings();
        this.dirSource = builder.dirSource;
        this.pid = builder.pid;
        this.probe = builder.probe;
        this.probeFailures = builder.probeFailures;
        this.stallDetection = builder.stallDetection && JvmEvidence.isThisProcess(builder.pid);
        this.guardArming = builder.guardArming && JvmEvidence.isThisProcess(builder.pid);
        this.onCapture = builder.onCapture;
        this.profiler = profiler;
        this.threads = builder.threads;
        this.detectors = builder.detectors;
        this.store = new CaptureStore(settings.dir(), settings.maxDiskBytes());
        this.throttle = new CaptureThrottle(settings.cooldown(), settings.maxCapturesPerHour(), System::nanoTime);
    }

    /**
     * @return a builder holding the defaults overridden by the {@code docref.trap.*} system properties.
     * @throws IllegalArgumentException naming the property, its value and what is accepted, if one is bad.
     */
    public static Builder builder()
    {
        return builder(System.getProperties());
    }

    /**
     * @param properties where to read {@code docref.trap.*} from.
     * @return a builder holding the defaults overridden by the {@code docref.trap.*} entries of {@code properties}.
     * @throws IllegalArgumentException naming the property, its value and what is accepted, if one is bad.
     */
    public static Builder builder(final Properties properties)
    {
        return new Builder().properties(properties);
    }

    /**
     * Starts watching: the probe, the stall detector, the guard listener, the JFR recording. Does nothing if
     * {@code docref.trap.enabled=false} (logged once) or if already started. A start that throws leaves nothing
     * running (no thread, no shutdown hook, no guard listener) and the trap not started, so that {@link #start()}
     * may be called again once the cause is fixed.
     *
     * @return this trap.
     * @throws IllegalStateException    if closed.
     * @throws IllegalArgumentException if {@code docref.trap.dir} cannot hold captures, or, with guard arming, if
     *                                  a {@code docref.guard.*} system property is bad
     *                                  ({@link AllocationGuard#global()}).
     */
    public synchronized FreezeTrap start()
    {
        if (closed)
        {
            throw new IllegalStateException("this FreezeTrap is closed; build a new one");
        }
        if (running)
        {
            return this;
        }
        if (!settings.enabled())
        {
            logOnce(System.Logger.Level.INFO, "disabled", "docref freeze trap is disabled (" + ENABLED_PROP_NAME +
                "=false): nothing is watched");
            return this;
        }
        requireUsableDirectory(settings.dir(), dirSource);
        // Before anything is created: a bad docref.guard.* property throws here, with nothing to undo.
        final AllocationGuard guard = guardArming ? AllocationGuard.global() : null;
        try
        {
            startWatching(guard);
        }
        catch (final RuntimeException | Error ex)
        {
            // A thread that could not be created, a JVM already exiting: undo what was started, so that nothing
            // runs on for a trap its caller never got, and the trap may be started again.
            running = false;
            stopWatching(captures);
            evidence = null;
            armedGuard = null;
            exitHook = null;
            stallDetector = null;
            watchdog = null;
            prober = null;
            recording = null;
            recordingProblem = null;
            throw ex;
        }
        for (final String missing : profiler.missing())
        {
            logOnce(System.Logger.Level.WARNING, "missing:" + missing, "docref freeze trap: captures will have no " +
                "off-CPU profile: " + missing + " (logged once)");
        }
        final String command = settings.command();
        if (command != null && !command.contains(OffCpuProfiler.PID_PLACEHOLDER))
        {
            // Perhaps intended (a machine-wide profile shows what the process waits behind), so no warning.
            logOnce(System.Logger.Level.INFO, "command-without-pid", "docref freeze trap: " + COMMAND_PROP_NAME +
                " = \"" + command + "\" has no " + OffCpuProfiler.PID_PLACEHOLDER + ": it is not told which " +
                "process to profile, so it profiles the whole machine (as offcputime does without -p), not only " +
                "pid " + pid);
        }
        LOG.log(System.Logger.Level.INFO, () -> String.format(Locale.ROOT, "docref freeze trap watching pid %d: %s, " +
            "%s%s, captures of %s into %s; off-CPU tool: %s", pid,
            probe == null ? "no health probe" : "probe every " + format(settings.probeInterval()) + " with a " +
                format(settings.probeDeadline()) + " deadline",
            stallDetection ? "stall threshold " + format(settings.stallThreshold()) : "no stall detector",
            guardArming ? ", armed by allocation guard warnings" : "", format(settings.captureDuration()),
            settings.dir().toAbsolutePath(),
            profiler.describe()));
        return this;
    }

    /** {@link #start()} after its checks: creates the threads and hooks and arms the triggers. */
    private void startWatching(final AllocationGuard guard)
    {
        // The probe and capture threads run the application's code (its probe, its onCapture listener), so they get
        // the context class loader of the thread that calls start(), as a plain new Thread would. No thread takes
        // inherited thread-local values.
        final ClassLoader applicationLoader = Thread.currentThread().getContextClassLoader();
        captures = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(1),
            task -> pooled(threads.newThread("docref-trap-capture", task, applicationLoader)));
        profilers = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(1),
            task -> pooled(threads.newThread("docref-trap-profiler", task, null)));
        // These threads exist before anything fires: a new thread maps its stack, which waits for the very mmap_lock a
        // freeze may hold, so a capture started during one must not need a thread created.
        captures.prestartCoreThread();
        profilers.prestartCoreThread();
        evidence = new EvidenceReader();
        exitHook = threads.newThread("docref-trap-exit", this::close, null);
        Runtime.getRuntime().addShutdownHook(exitHook);
        // Last: fire() may hand captures over from here on.
        running = true;
        if (settings.jfr())
        {
            try
            {
                recording = ContinuousRecording.start(pid);
            }
            catch (final IOException | RuntimeException ex)
            {
                recordingProblem = "no JFR recording: " + ex.getMessage();
                logOnce(System.Logger.Level.WARNING, "jfr", recordingProblem);
            }
        }
        if (stallDetection)
        {
            final StallDetector detector = detectors.newDetector(settings.stallThreshold(), this::onStall);
            stallDetector = detector;
            detector.start();
        }
        if (guard != null)
        {
            guard.addListener(guardListener);
            armedGuard = guard;
        }
        watchdog = daemon(this::watch, "docref-trap-watchdog", null);
        if (probe != null)
        {
            prober = daemon(this::runProbes, "docref-trap-probe", applicationLoader);
        }
    }

    /**
     * Captures now, as if a trigger had fired, unless the cooldown, hourly cap or a running capture forbids it.
     *
     * @param reason written into the summary.
     * @return whether a capture was started (it runs on the capture thread).
     */
    public boolean captureNow(final String reason)
    {
        return fire(Trigger.MANUAL, () -> reason);
    }

    /** @return whether the trap is started and not closed. */
    public boolean isRunning()
    {
        return running;
    }

    /** @return the watched process. */
    public long pid()
    {
        return pid;
    }

    /** @return the directory that receives captures. */
    public Path directory()
    {
        return settings.dir();
    }

    /** @return the stall detector, or {@code null} if there is none (stall detection off, or not started). */
    public StallDetector stallDetector()
    {
        return stallDetector;
    }

    /**
     * Stops every thread of the trap, interrupts a running capture (killing its tool) and stops JFR, and returns
     * once those threads have ended, so that none runs on after it: it waits up to 10 s each for the capture and the
     * profiler to finish, then up to 10 s in all for the threads (watchdog, probe, stall detector, evidence, capture,
     * profiler) to end. A thread still running then (a probe or a read that ignores its interrupt, as a read the
     * kernel holds does) is left to end on its own. On the trap's exit hook it waits for the capture and the
     * profiler, so that the tool is killed, but not for the threads, which end with the JVM. Called on a thread of
     * the trap (from the probe or the {@code onCapture} listener), which it interrupts, it does not wait for them.
     */
    @Override
    public void close()
    {
        final ThreadPoolExecutor executor;
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            running = false;
            executor = captures;
        }
        stopWatching(executor);
    }

    /**
     * Stops what {@link #start()} started, whatever part of it did start: for {@link #close()}, and for a start that
     * failed part way.
     *
     * @param executor the capture thread's executor, or {@code null}.
     */
    private void stopWatching(final ThreadPoolExecutor executor)
    {
        final Thread hook = exitHook;
        if (hook != null && Thread.currentThread() != hook)
        {
            try
            {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
            catch (final IllegalStateException ex)
            {
                // The JVM is exiting: the hook runs, or has run, close() itself.
            }
        }
        // Only from the guard start() armed: calling AllocationGuard.global() here would throw again for the bad
        // docref.guard.* property that failed start(), before anything was stopped.
        if (armedGuard != null)
        {
            armedGuard.removeListener(guardListener);
        }
        for (final Thread thread : new Thread[] { watchdog, prober })
        {
            if (thread != null)
            {
                thread.interrupt();
            }
        }
        if (stallDetector != null)
        {
            stallDetector.close();
        }
        // The capture thread first: interrupted, it stops its profile, whose tool the profiler thread then kills.
        if (executor != null)
        {
            // A capture handed over but not begun holds the throttle its end would release: release it, or a trap
            // started again after a failed start could never capture.
            executor.shutdownNow().forEach(neverRun -> throttle.release());
            awaitTermination(executor);
        }
        final ThreadPoolExecutor profiling = profilers;
        if (profiling != null)
        {
            profiling.shutdownNow();
            awaitTermination(profiling);
        }
        // The other threads were told to stop before the waits above, and are waited for together. Not on the exit
        // hook: daemon threads end with the JVM, and waiting for a hung probe would only hold up its exit.
        final long deadline = System.nanoTime() + (Thread.currentThread() == hook ? 0 : CLOSE_WAIT.toNanos());
        // After the capture thread, whose reads it runs.
        final EvidenceReader reader = evidence;
        if (reader != null)
        {
            reader.close(deadline);
        }
        if (recording != null)
        {
            recording.close();
        }
        awaitEnd(watchdog, deadline);
        awaitEnd(prober, deadline);
        if (stallDetector != null)
        {
            awaitEnd(stallDetector.thread(), deadline);
        }
        for (final Thread thread : pooledThreads)
        {
            awaitEnd(thread, deadline);
        }
        pooledThreads.removeIf(thread -> !thread.isAlive());
    }

    /** A thread of the capture or profiler executor, remembered for {@link #close()} to wait for. */
    private Thread pooled(final Thread thread)
    {
        pooledThreads.add(thread);
        return thread;
    }

    private static void awaitTermination(final ThreadPoolExecutor threads)
    {
        try
        {
            threads.awaitTermination(CLOSE_WAIT.toNanos(), TimeUnit.NANOSECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits for {@code thread} to end, until {@code deadlineNanos} ({@link System#nanoTime()}) at the latest. Not
     * for the calling thread, which would wait for itself; an interrupted caller stops waiting and stays interrupted.
     *
     * @param thread a thread, or {@code null} for none.
     */
    static void awaitEnd(final Thread thread, final long deadlineNanos)
    {
        if (thread == null || thread == Thread.currentThread())
        {
            return;
        }
        try
        {
            // Waits not at all for a deadline passed, where a join(0) would wait for ever.
            TimeUnit.NANOSECONDS.timedJoin(thread, deadlineNanos - System.nanoTime());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString()
    {
        return "FreezeTrap{pid=" + pid + ", dir=" + settings.dir() + ", running=" + running + "}";
    }

    // ---- package-private: used by Capture and tests --------------------------------------------------------

    TrapSettings settings()
    {
        return settings;
    }

    OffCpuProfiler profiler()
    {
        return profiler;
    }

    CaptureStore store()
    {
        return store;
    }

    /** The profiler thread's executor: one profile at a time, on a thread that exists before any capture. */
    ThreadPoolExecutor profilers()
    {
        return profilers;
    }

    /** The evidence thread: a capture's reads that may hang run on it, with timeouts. */
    EvidenceReader evidence()
    {
        return evidence;
    }

    ContinuousRecording recording()
    {
        return recording;
    }

    String recordingProblem()
    {
        return recordingProblem;
    }

    /** The listener {@link #start()} adds to the allocation guard, with guard arming. */
    AllocationListener guardListener()
    {
        return guardListener;
    }

    /**
     * Creates a thread of the trap, not started: {@link DaemonThreads#newThread(String, Runnable, ClassLoader)}. Tests
     * replace it to fail one thread's creation, as the JVM's "unable to create native thread" would, part way through
     * {@link #start()}. The stall detector and the evidence reader create their own threads.
     */
    @FunctionalInterface
    interface ThreadMaker
    {
        Thread newThread(String name, Runnable task, ClassLoader contextClassLoader);
    }

    /**
     * Creates the stall detector, not started: {@link StallDetector}'s public constructor at the default resolution,
     * unless a test gives it a clock, sleeper and counters of its own.
     */
    @FunctionalInterface
    interface DetectorMaker
    {
        StallDetector newDetector(Duration threshold, StallDetector.Listener listener);
    }

    /** @return whether a capture is running or handed to the capture thread. */
    boolean captureRunning()
    {
        return throttle.running();
    }

    /**
     * Hands a capture to the capture thread if the throttle allows. Never blocks and never does I/O: the guard
     * calls this on the allocating thread.
     *
     * @param detail formatted on the capture thread.
     * @return whether a capture was started.
     */
    boolean fire(final Trigger trigger, final Supplier<String> detail)
    {
        return tryFire(trigger, detail) == null;
    }

    /**
     * {@link #fire}, saying why not.
     *
     * @return {@code null} if a capture was started, else why not (the throttle's reason, or the trap not running).
     */
    private String tryFire(final Trigger trigger, final Supplier<String> detail)
    {
        final ThreadPoolExecutor executor = captures;
        if (!running || executor == null)
        {
            return "the trap is not running";
        }
        final String refusal = throttle.tryAcquire();
        if (refusal != null)
        {
            LOG.log(System.Logger.Level.DEBUG, () -> "docref freeze trap: " + trigger.slug() + " fired but no " +
                "capture: " + refusal);
            return refusal;
        }
        final long firedNanos = System.nanoTime();
        final Instant firedAt = Instant.now();
        try
        {
            executor.execute(() -> capture(trigger, detail, firedAt, firedNanos));
            return null;
        }
        catch (final RejectedExecutionException ex)
        {
            throttle.release();
            return "the trap is closing";
        }
    }

    /**
     * The stall detector's listener, on its thread once a stall has ended and its split is known: fires a capture
     * whose detail (logged, and in the summary) has the split, or, if no capture may start (most often because the
     * watchdog already started one during the stall), logs the stall with its split in one {@code INFO} line.
     */
    void onStall(final Duration stall, final Instant start)
    {
        final StallDetector detector = stallDetector;
        final StallSplit split = detector == null ? null : detector.lastStallSplit();
        final Supplier<String> detail = () -> String.format(Locale.ROOT,
            "the process stalled for %,d ms from %s (threshold %s)%s", stall.toMillis(), start,
            format(settings.stallThreshold()), split == null ? "" : ": " + split);
        final String refusal = tryFire(Trigger.STALL, detail);
        if (refusal != null)
        {
            LOG.log(System.Logger.Level.INFO, () -> "docref freeze trap: " + detail.get() + "; no capture of its " +
                "own: " + refusal);
        }
    }

    /** The stall length as the summary reports it: what the stall detector and the probe measured. */
    Map<String, Object> stallReport(final Trigger trigger, final long firedNanos)
    {
        final Map<String, Object> report = new LinkedHashMap<>();
        Long detectorMillis = null;
        boolean ongoing = false;
        Map<String, Object> split = null;
        if (stallDetector != null)
        {
            final Duration overdue = stallDetector.overdue();
            if (overdue.compareTo(settings.stallThreshold()) > 0)
            {
                ongoing = true;
                detectorMillis = overdue.toMillis();
                split = new LinkedHashMap<>();
                split.put("known", false);
                split.put("text", "not known: the stall had not ended when this summary was written; the log " +
                    "line written when it ends has it");
            }
            else
            {
                final long since = firedNanos - settings.stallThreshold().toNanos();
                final Duration stall = stallDetector.stallSince(since);
                detectorMillis = stall.isZero() ? null : stall.toMillis();
                final StallSplit measured = stallDetector.stallSplitSince(since);
                split = measured == null ? null : measured.toMap();
            }
        }
        Long probeMillis = null;
        final long now = System.nanoTime();
        final long runningSince = probeStartedNanos;
        if (probe != null && runningSince != IDLE && runningSince - firedNanos <= 0 &&
            now - runningSince > settings.probeDeadline().toNanos())
        {
            ongoing = true;
            probeMillis = Duration.ofNanos(now - runningSince).toMillis();
        }
        else if (probe != null)
        {
            synchronized (slowProbeLock)
            {
                if (slowProbeSeen && slowProbeEndNanos - (firedNanos - settings.probeDeadline().toNanos()) >= 0)
                {
                    probeMillis = Duration.ofNanos(slowProbeEndNanos - slowProbeStartNanos).toMillis();
                }
            }
        }
        final Long millis = detectorMillis == null ? probeMillis
            : probeMillis == null ? detectorMillis : Long.valueOf(Math.max(detectorMillis, probeMillis));
        report.put("millis", millis);
        report.put("ongoingAtEnd", ongoing);
        report.put("stallDetectorMillis", detectorMillis);
        report.put("probeHangMillis", probeMillis);
        report.put("split", split);
        final StringBuilder text = new StringBuilder();
        if (detectorMillis != null)
        {
            text.append(String.format(Locale.ROOT, "the stall detector was held up %,d ms%s", detectorMillis,
                ongoing && probeMillis == null ? " and still was at the end" : ""));
        }
        if (probeMillis != null)
        {
            text.append(text.length() > 0 ? "; " : "").append(String.format(Locale.ROOT,
                "the health probe hung %,d ms%s", probeMillis,
                runningSince != IDLE && ongoing ? " and still did at the end" : ""));
        }
        if (text.length() == 0)
        {
            text.append(stallDetector == null && probe == null ? "not measured (no stall detector, no probe)"
                : "none measured above " + (stallDetector != null ? "the stall threshold " +
                format(settings.stallThreshold()) : "the probe deadline " + format(settings.probeDeadline())));
        }
        report.put("text", text.toString());
        return report;
    }

    /** Logs what a capture left, once per kind of problem, and tells the builder's listener. */
    void afterCapture(final Path directory, final OffCpuProfiler.Result result, final Iterable<String> budget)
    {
        for (final ToolRun run : result.runs())
        {
            if (run.interrupted())
            {
                // Killed because the trap is closing: not a failure of the tool, which is not tried last for it.
                continue;
            }
            if (!run.succeeded())
            {
                logOnce(System.Logger.Level.WARNING, "tool:" + run.name(), "docref freeze trap: " + run.name() +
                    " failed (" + run.outcome() + "), see " + run.stderr() + "; later captures try it last" +
                    profiler.hint(run.name()) + " (logged once)");
            }
            else if (result.used() == null || !run.name().equals(result.used().describe()))
            {
                // Exited 0 but printed no stacks the trap could read (a docref.trap.command that prints something
                // else, say): as much a failure, though only the summary's problems would say so.
                logOnce(System.Logger.Level.WARNING, "tool:" + run.name(), "docref freeze trap: " + run.name() +
                    " exited 0 but printed no off-CPU stacks (see " + run.stdout() + " and the capture's " +
                    "summary.json problems); later captures try it last (logged once)");
            }
        }
        for (final String line : budget)
        {
            LOG.log(System.Logger.Level.INFO, "docref freeze trap: " + line);
        }
        LOG.log(System.Logger.Level.INFO, () -> String.format(Locale.ROOT, "docref freeze trap: capture written to " +
            "%s (%,d off-CPU stacks, %,d us, from %s)", directory.toAbsolutePath(), result.stacks().size(),
            result.stacks().totalMicros(), result.used() == null ? "no tool" : result.used().describe()));
    }

    /**
     * Logs that a complete capture keeps its {@value CaptureStore#IN_PROGRESS} marker, which no budget pass then
     * deletes while this process lives.
     *
     * @param problem from {@link CaptureStore#complete}: names the marker and says so.
     */
    void afterMarkerLeft(final Path directory, final UncheckedIOException problem)
    {
        LOG.log(System.Logger.Level.WARNING, "docref freeze trap: capture " + directory.toAbsolutePath() + " is " +
            "complete, but " + problem.getMessage(), problem.getCause());
    }

    /**
     * Logs a capture that failed, once per failure. A failure the trap understands ({@link Capture#advice}: the file
     * system refused a write, the trap closing) is one {@code WARNING} line: what failed, what became of the
     * directory ({@code failure.txt}, which holds the stack trace, or none) and what to do; its stack trace goes to
     * {@code DEBUG} only. Any other is a bug: {@code ERROR} with its stack trace.
     *
     * @param remains what became of its directory, from {@link CaptureStore#fail}.
     */
    void afterFailure(final String remains, final Throwable failure)
    {
        final String advice = Capture.advice(failure, settings.dir());
        if (advice == null)
        {
            LOG.log(System.Logger.Level.ERROR, "docref freeze trap: capture failed (" + failure + "); " + remains,
                failure);
            return;
        }
        LOG.log(System.Logger.Level.WARNING, "docref freeze trap: capture failed: " + failure.getMessage() + "; " +
            remains + "; " + advice);
        LOG.log(System.Logger.Level.DEBUG, "docref freeze trap: stack trace of the failure above", failure);
    }

    /**
     * Creates the capture directory if missing and checks that this process can write it and owns it, so that a bad
     * {@value #DIR_PROP_NAME} fails {@link #start()} rather than every capture. Errors name {@code source}: the
     * property, or the command-line flag that gave the directory. Ownership matters most for the CLI,
     * which runs as root with a default under {@code /tmp}: in a directory another user owns, that user could swap
     * a capture's directory for a symbolic link between its creation and the trap's writes into it.
     */
    static void requireUsableDirectory(final Path dir, final String source)
    {
        final String accepted = "accepted: a directory this process can create and write, and owns, e.g. " +
            "/var/tmp/docref-trap";
        Object dirOwner = null;
        Object processUser = null;
        Path probe = null;
        try
        {
            Files.createDirectories(dir);
            // A file this process creates is owned by its effective user: the directory must be too.
            probe = Files.createTempFile(dir, ".docref-trap-", ".probe");
            dirOwner = Files.getAttribute(dir, "unix:uid");
            processUser = Files.getAttribute(probe, "unix:uid");
        }
        catch (final UnsupportedOperationException ex)
        {
            // No unix:uid on this file system: ownership cannot be told, and writing worked.
        }
        catch (final IOException | RuntimeException ex)
        {
            throw new IllegalArgumentException(source + " = \"" + dir + "\" cannot hold captures (" + ex + "); " +
                accepted);
        }
        finally
        {
            deleteQuietly(probe);
        }
        if (dirOwner != null && !dirOwner.equals(processUser))
        {
            throw new IllegalArgumentException(source + " = \"" + dir + "\" is owned by user " + dirOwner +
                ", not by this process's user " + processUser + ", who could then replace what the trap writes " +
                "there; " + accepted);
        }
    }

    private static void deleteQuietly(final Path file)
    {
        if (file != null)
        {
            try
            {
                Files.deleteIfExists(file);
            }
            catch (final IOException ex)
            {
                LOG.log(System.Logger.Level.DEBUG, "docref freeze trap: could not delete " + file, ex);
            }
        }
    }

    // ---- threads ------------------------------------------------------------------------------------------

    private void capture(final Trigger trigger, final Supplier<String> detail, final Instant firedAt,
        final long firedNanos)
    {
        try
        {
            final String text = detail.get();
            LOG.log(System.Logger.Level.WARNING, () -> "docref freeze trap fired (" + trigger.slug() + "): " + text +
                "; capturing for " + format(settings.captureDuration()));
            final Path directory = Capture.run(this, trigger, text, firedAt, firedNanos);
            if (directory != null && onCapture != null)
            {
                notifyCaptured(directory);
            }
        }
        catch (final RuntimeException | Error ex)
        {
            LOG.log(System.Logger.Level.ERROR, "docref freeze trap: capture failed", ex);
        }
        finally
        {
            throttle.release();
        }
    }

    /** The capture is complete: a listener that throws is the listener's failure, logged as such, not the capture's. */
    private void notifyCaptured(final Path directory)
    {
        try
        {
            onCapture.accept(directory);
        }
        catch (final RuntimeException ex)
        {
            LOG.log(System.Logger.Level.ERROR, "docref freeze trap: the onCapture listener threw on " + directory +
                ", which is complete; fix the listener", ex);
        }
    }

    private void watch()
    {
        final long deadline = settings.probeDeadline().toNanos();
        final long tick = Math.max(Duration.ofMillis(5).toNanos(), Math.min(Duration.ofMillis(100).toNanos(),
            Math.min(deadline, settings.stallThreshold().toNanos()) / 10));
        boolean stallReported = false;
        while (running)
        {
            try
            {
                TimeUnit.NANOSECONDS.sleep(tick);
            }
            catch (final InterruptedException ex)
            {
                return;
            }
            final long started = probeStartedNanos;
            final long now = System.nanoTime();
            if (started != IDLE && now - started > deadline && reportedProbe.getAndSet(started) != started)
            {
                fire(Trigger.PROBE_DEADLINE, () -> String.format(Locale.ROOT, "the health probe had not returned " +
                    "after %d ms (deadline %s)", Duration.ofNanos(now - started).toMillis(),
                    format(settings.probeDeadline())));
            }
            if (stallDetector != null)
            {
                final Duration overdue = stallDetector.overdue();
                if (overdue.compareTo(settings.stallThreshold()) > 0)
                {
                    if (!stallReported)
                    {
                        stallReported = true;
                        fire(Trigger.STALL, () -> String.format(Locale.ROOT, "the stall detector had been held up " +
                            "for %d ms and counting (threshold %s)", overdue.toMillis(),
                            format(settings.stallThreshold())));
                    }
                }
                else if (overdue.isZero())
                {
                    stallReported = false;
                }
            }
        }
    }

    private void runProbes()
    {
        final long deadline = settings.probeDeadline().toNanos();
        int failures = 0;
        while (running)
        {
            final long start = System.nanoTime();
            probeStartedNanos = start;
            Exception failure = null;
            try
            {
                probe.check();
            }
            catch (final InterruptedException ex)
            {
                probeStartedNanos = IDLE;
                return;
            }
            catch (final Exception ex)
            {
                failure = ex;
            }
            final long end = System.nanoTime();
            probeStartedNanos = IDLE;
            if (end - start > deadline)
            {
                synchronized (slowProbeLock)
                {
                    slowProbeSeen = true;
                    slowProbeStartNanos = start;
                    slowProbeEndNanos = end;
                }
                // The watchdog normally fired while the probe hung; if it could not run, fire now, late.
                if (reportedProbe.getAndSet(start) != start)
                {
                    fire(Trigger.PROBE_DEADLINE, () -> String.format(Locale.ROOT, "the health probe took %d ms, " +
                        "over its deadline %s (noticed late: the watchdog was held up too)",
                        Duration.ofNanos(end - start).toMillis(), format(settings.probeDeadline())));
                }
            }
            failures = failure == null ? 0 : failures + 1;
            if (failures >= probeFailures)
            {
                final Exception last = failure;
                final int count = failures;
                fire(Trigger.PROBE_FAILURES, () -> "the health probe failed " + count + " times in a row; last: " +
                    last);
                failures = 0;
            }
            try
            {
                TimeUnit.NANOSECONDS.sleep(settings.probeInterval().toNanos());
            }
            catch (final InterruptedException ex)
            {
                return;
            }
        }
    }

    private void onAllocation(final AllocationEvent event)
    {
        if (event.decision() == AllocationDecision.WARNED)
        {
            fire(Trigger.GUARD_WARNING, () -> event.what() + " allocates " + PropertyValues.formatBytes(event.bytes()) +
                ", over " + event.limitProperty() + " = " + PropertyValues.formatBytes(event.limit()) + " (guard " +
                "mode " + event.mode() + ")");
        }
    }

    private void logOnce(final System.Logger.Level level, final String key, final String message)
    {
        if (logged.add(key))
        {
            LOG.log(level, message);
        }
    }

    private Thread daemon(final Runnable task, final String name, final ClassLoader contextClassLoader)
    {
        final Thread thread = threads.newThread(name, task, contextClassLoader);
        thread.start();
        return thread;
    }

    /** A duration as the properties write it: {@code 500ms}, {@code 15s}, {@code 5m}, {@code 1h}. */
    static String format(final Duration duration)
    {
        final long millis = duration.toMillis();
        if (millis % 3_600_000 == 0 && millis > 0)
        {
            return millis / 3_600_000 + "h";
        }
        if (millis % 60_000 == 0 && millis > 0)
        {
            return millis / 60_000 + "m";
        }
        if (millis % 1000 == 0)
        {
            return millis / 1000 + "s";
        }
        return millis + "ms";
    }

    /**
     * Settings of a {@link FreezeTrap}: every {@code docref.trap.*} property plus what only code can give (the
     * probe, the watched process, listeners). Setters check their argument and throw
     * {@link IllegalArgumentException} naming the property, the value and what is accepted.
     * <b>Thread-safety:</b> not thread-safe; use from one thread.
     */
    public static final class Builder
    {
        private boolean enabled = DEFAULT_ENABLED;
        private Path dir = Path.of(DEFAULT_DIR);
        private Duration stallThreshold = DEFAULT_STALL_THRESHOLD;
        private Duration probeInterval = DEFAULT_PROBE_INTERVAL;
        private Duration probeDeadline = DEFAULT_PROBE_DEADLINE;
        private Duration captureDuration = DEFAULT_CAPTURE_DURATION;
        private Duration cooldown = DEFAULT_COOLDOWN;
        private int maxCapturesPerHour = DEFAULT_MAX_CAPTURES_PER_HOUR;
        private long maxDiskBytes = DEFAULT_MAX_DISK;
        private String command;
        private boolean jfr = DEFAULT_JFR;
        private long pid = ProcessHandle.current().pid();
        private HealthProbe probe;
        private int probeFailures = DEFAULT_PROBE_FAILURES;
        private boolean stallDetection = true;
        private boolean guardArming = true;
        private Consumer<Path> onCapture;
        private OffCpuProfiler profiler;
        private ThreadMaker threads = DaemonThreads::newThread;
        private DetectorMaker detectors = (threshold, listener) ->
            new StallDetector(StallDetector.DEFAULT_RESOLUTION, threshold, listener);
        /**
         * Where the value came from, as errors name it: its property (also for the typed setters), or the command-line
         * flag {@link TrapCommand} parsed it from. The values checked after they are set (the directory at start,
         * deadline against window at build) keep theirs.
         */
        private String dirSource = DIR_PROP_NAME;
        private String probeDeadlineSource = PROBE_DEADLINE_PROP_NAME;
        private String captureDurationSource = CAPTURE_DURATION_PROP_NAME;

        private Builder()
        {
        }

        /** The one place where {@code docref.trap.*} properties are parsed. */
        private Builder properties(final Properties properties)
        {
            String value;
            if ((value = properties.getProperty(ENABLED_PROP_NAME)) != null)
            {
                enabled(PropertyValues.parseBoolean(ENABLED_PROP_NAME, value));
            }
            if ((value = properties.getProperty(DIR_PROP_NAME)) != null)
            {
                dir(DIR_PROP_NAME, value);
            }
            if ((value = properties.getProperty(STALL_THRESHOLD_PROP_NAME)) != null)
            {
                stallThreshold = checkTime(STALL_THRESHOLD_PROP_NAME, value,
                    PropertyValues.parseDuration(STALL_THRESHOLD_PROP_NAME, value), MIN_STALL_THRESHOLD, MAX_TIME);
            }
            if ((value = properties.getProperty(PROBE_INTERVAL_PROP_NAME)) != null)
            {
                probeInterval(PROBE_INTERVAL_PROP_NAME, value);
            }
            if ((value = properties.getProperty(PROBE_DEADLINE_PROP_NAME)) != null)
            {
                probeDeadline(PROBE_DEADLINE_PROP_NAME, value);
            }
            if ((value = properties.getProperty(CAPTURE_DURATION_PROP_NAME)) != null)
            {
                captureDuration(CAPTURE_DURATION_PROP_NAME, value);
            }
            if ((value = properties.getProperty(COOLDOWN_PROP_NAME)) != null)
            {
                cooldown = checkTime(COOLDOWN_PROP_NAME, value, PropertyValues.parseDuration(COOLDOWN_PROP_NAME, value),
                    Duration.ZERO, Duration.ofHours(24));
            }
            if ((value = properties.getProperty(MAX_CAPTURES_PER_HOUR_PROP_NAME)) != null)
            {
                maxCapturesPerHour = parseCount(MAX_CAPTURES_PER_HOUR_PROP_NAME, value);
            }
            if ((value = properties.getProperty(MAX_DISK_PROP_NAME)) != null)
            {
                maxDiskBytes =
                    checkDisk(MAX_DISK_PROP_NAME, value, PropertyValues.parseSize(MAX_DISK_PROP_NAME, value));
            }
            if ((value = properties.getProperty(COMMAND_PROP_NAME)) != null)
            {
                command = OffCpuProfiler.checkTemplate(COMMAND_PROP_NAME, value);
            }
            if ((value = properties.getProperty(JFR_PROP_NAME)) != null)
            {
                jfr = PropertyValues.parseBoolean(JFR_PROP_NAME, value);
            }
            return this;
        }

        /** @param enabled as {@link #ENABLED_PROP_NAME}. */
        public Builder enabled(final boolean enabled)
        {
            this.enabled = enabled;
            return this;
        }

        /** @param dir as {@link #DIR_PROP_NAME}. */
        public Builder dir(final Path dir)
        {
            this.dir = Objects.requireNonNull(dir, "dir");
            this.dirSource = DIR_PROP_NAME;
            return this;
        }

        /**
         * As {@link #dir(Path)}, from text; this error, and {@link #start()}'s if the directory is unusable, name
         * {@code source}.
         *
         * @param source {@link #DIR_PROP_NAME} or the command-line flag that gave {@code text}.
         */
        Builder dir(final String source, final String text)
        {
            final String accepted = "accepted: a directory path, created if missing, e.g. /var/tmp/docref-trap";
            if (text.isBlank())
            {
                throw new IllegalArgumentException(source + " = \"" + text + "\" is empty; " + accepted);
            }
            try
            {
                dir(Path.of(text.strip()));
            }
            catch (final java.nio.file.InvalidPathException ex)
            {
                throw new IllegalArgumentException(source + " = \"" + text + "\" is not a path (" + ex.getReason() +
                    "); " + accepted);
            }
            dirSource = source;
            return this;
        }

        /** @param threshold as {@link #STALL_THRESHOLD_PROP_NAME}: 50ms to 1h. */
        public Builder stallThreshold(final Duration threshold)
        {
            this.stallThreshold = checkTime(STALL_THRESHOLD_PROP_NAME, null, threshold, MIN_STALL_THRESHOLD, MAX_TIME);
            return this;
        }

        /** @param interval as {@link #PROBE_INTERVAL_PROP_NAME}: 10ms to 1h. */
        public Builder probeInterval(final Duration interval)
        {
            this.probeInterval = checkTime(PROBE_INTERVAL_PROP_NAME, null, interval, MIN_PROBE_TIME, MAX_TIME);
            return this;
        }

        /**
         * As {@link #probeInterval(Duration)}, from text; errors name {@code source}.
         *
         * @param source {@link #PROBE_INTERVAL_PROP_NAME} or the command-line flag that gave {@code text}.
         */
        Builder probeInterval(final String source, final String text)
        {
            this.probeInterval = checkTime(source, text, PropertyValues.parseDuration(source, text), MIN_PROBE_TIME,
                MAX_TIME);
            return this;
        }

        /** @param deadline as {@link #PROBE_DEADLINE_PROP_NAME}: 10ms to 1h. */
        public Builder probeDeadline(final Duration deadline)
        {
            this.probeDeadline = checkTime(PROBE_DEADLINE_PROP_NAME, null, deadline, MIN_PROBE_TIME, MAX_TIME);
            this.probeDeadlineSource = PROBE_DEADLINE_PROP_NAME;
            return this;
        }

        /**
         * As {@link #probeDeadline(Duration)}, from text; errors name {@code source}, {@link #build()}'s too.
         *
         * @param source {@link #PROBE_DEADLINE_PROP_NAME} or the command-line flag that gave {@code text}.
         */
        Builder probeDeadline(final String source, final String text)
        {
            this.probeDeadline = checkTime(source, text, PropertyValues.parseDuration(source, text), MIN_PROBE_TIME,
                MAX_TIME);
            this.probeDeadlineSource = source;
            return this;
        }

        /** @param duration as {@link #CAPTURE_DURATION_PROP_NAME}: whole seconds, 1s to 1h. */
        public Builder captureDuration(final Duration duration)
        {
            this.captureDuration = checkCaptureDuration(CAPTURE_DURATION_PROP_NAME, null, duration);
            this.captureDurationSource = CAPTURE_DURATION_PROP_NAME;
            return this;
        }

        /**
         * As {@link #captureDuration(Duration)}, from text; errors name {@code source}, {@link #build()}'s too.
         *
         * @param source {@link #CAPTURE_DURATION_PROP_NAME} or the command-line flag that gave {@code text}.
         */
        Builder captureDuration(final String source, final String text)
        {
            this.captureDuration = checkCaptureDuration(source, text, PropertyValues.parseDuration(source, text));
            this.captureDurationSource = source;
            return this;
        }

        /** @param cooldown as {@link #COOLDOWN_PROP_NAME}: 0 to 24h. */
        public Builder cooldown(final Duration cooldown)
        {
            this.cooldown = checkTime(COOLDOWN_PROP_NAME, null, cooldown, Duration.ZERO, Duration.ofHours(24));
            return this;
        }

        /** @param max as {@link #MAX_CAPTURES_PER_HOUR_PROP_NAME}: 1 to 3600. */
        public Builder maxCapturesPerHour(final int max)
        {
            this.maxCapturesPerHour = parseCount(MAX_CAPTURES_PER_HOUR_PROP_NAME, Integer.toString(max));
            return this;
        }

        /** @param bytes as {@link #MAX_DISK_PROP_NAME}: 1 MiB or more. */
        public Builder maxDisk(final long bytes)
        {
            this.maxDiskBytes = checkDisk(MAX_DISK_PROP_NAME, Long.toString(bytes), bytes);
            return this;
        }

        /** @param template as {@link #COMMAND_PROP_NAME}, or {@code null} for none. */
        public Builder command(final String template)
        {
            this.command = template == null ? null : OffCpuProfiler.checkTemplate(COMMAND_PROP_NAME, template);
            return this;
        }

        /** @param jfr as {@link #JFR_PROP_NAME}. */
        public Builder jfr(final boolean jfr)
        {
            this.jfr = jfr;
            return this;
        }

        /**
         * @param pid the process to profile; default this JVM. Another process gets no stall detection from this
         *            JVM's point of view and no guard arming.
         */
        public Builder pid(final long pid)
        {
            if (pid <= 0)
            {
                throw new IllegalArgumentException("pid = " + pid + ": a process id is 1 or more");
            }
            this.pid = pid;
            return this;
        }

        /** @param probe the health probe, or {@code null} for none (the default). */
        public Builder probe(final HealthProbe probe)
        {
            this.probe = probe;
            return this;
        }

        /** @param failures failures in a row that fire a capture, 1 to 1000; default 3. */
        public Builder probeFailures(final int failures)
        {
            if (failures < 1 || failures > 1000)
            {
                throw new IllegalArgumentException("probeFailures = " + failures + ": accepted 1 to 1000");
            }
            this.probeFailures = failures;
            return this;
        }

        /** @param on whether to run a {@link StallDetector} in this JVM; default {@code true}. */
        public Builder stallDetection(final boolean on)
        {
            this.stallDetection = on;
            return this;
        }

        /**
         * @param on whether a WARNED allocation of the global allocation guard fires a capture; default
         *           {@code true}; only when watching this JVM.
         */
        public Builder guardArming(final boolean on)
        {
            this.guardArming = on;
            return this;
        }

        /**
         * @param listener told each capture's directory when it is complete, on the capture thread; not told of a
         *                 capture that failed part way (logged, its directory removed or kept with
         *                 {@code failure.txt}). An exception it throws is logged as the listener's, and the trap
         *                 goes on.
         */
        public Builder onCapture(final Consumer<Path> listener)
        {
            this.onCapture = listener;
            return this;
        }

        /** Tests replace the detected tools. */
        Builder profiler(final OffCpuProfiler profiler)
        {
            this.profiler = profiler;
            return this;
        }

        /** Tests replace how the trap creates its threads, to fail one. */
        Builder threads(final ThreadMaker maker)
        {
            this.threads = Objects.requireNonNull(maker, "maker");
            return this;
        }

        /** Tests replace the stall detector with one on their own clock, sleeper and counters. */
        Builder detectors(final DetectorMaker maker)
        {
            this.detectors = Objects.requireNonNull(maker, "maker");
            return this;
        }

        /**
         * @return a trap with these settings, not started; detects the off-CPU tools.
         * @throws IllegalArgumentException if the probe deadline is not shorter than the capture window.
         */
        public FreezeTrap build()
        {
            if (probe != null && probeDeadline.compareTo(captureDuration) >= 0)
            {
                throw new IllegalArgumentException(probeDeadlineSource + " = " + format(probeDeadline) +
                    " must be shorter than " + captureDurationSource + " = " + format(captureDuration) +
                    ", or the profile would end before the trap knows there is a freeze: make " + probeDeadlineSource +
                    " shorter or " + captureDurationSource + " longer");
            }
            return new FreezeTrap(this, profiler != null ? profiler : OffCpuProfiler.detect(command));
        }

        TrapSettings settings()
        {
            return new TrapSettings(enabled, dir, stallThreshold, probeInterval, probeDeadline, captureDuration,
                cooldown, maxCapturesPerHour, maxDiskBytes, command, jfr);
        }

        private static Duration checkTime(
            final String property, final String text, final Duration value, final Duration min, final Duration max)
        {
            Objects.requireNonNull(value, property);
            if (value.compareTo(min) < 0 || value.compareTo(max) > 0)
            {
                // Examples inside this property's range: 500ms is below a capture duration's 1s.
                final Duration half = Duration.ofMillis(500);
                final Duration fifteen = Duration.ofSeconds(15);
                final String examples = (half.compareTo(min) >= 0 ? "500ms, " : "") +
                    (fifteen.compareTo(max) <= 0 ? "15s" : format(min));
                throw new IllegalArgumentException(property + " = \"" + (text == null ? format(value) : text) +
                    "\" is out of range; accepted: " + format(min) + " to " + format(max) + ", e.g. " + examples);
            }
            return value;
        }

        private static Duration checkCaptureDuration(final String property, final String text, final Duration value)
        {
            checkTime(property, text, value, Duration.ofSeconds(1), MAX_TIME);
            if (value.toMillis() % 1000 != 0)
            {
                throw new IllegalArgumentException(property + " = \"" + (text == null ? format(value) : text) +
                    "\" is not whole seconds (offcputime takes seconds); accepted: 1s to 1h in whole seconds, " +
                    "e.g. 15s");
            }
            return value;
        }

        private static int parseCount(final String property, final String value)
        {
            final String accepted = "a whole number from 1 to " + MAX_PER_HOUR + ", e.g. 6";
            final int count;
            try
            {
                count = Integer.parseInt(value.strip());
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException(property + " = \"" + value + "\" is not a whole number; " +
                    "accepted: " + accepted, ex);
            }
            if (count < 1 || count > MAX_PER_HOUR)
            {
                throw new IllegalArgumentException(property + " = \"" + value + "\" is out of range; accepted: " +
                    accepted);
            }
            return count;
        }

        private static long checkDisk(final String property, final String text, final long bytes)
        {
            if (bytes < MIN_DISK)
            {
                throw new IllegalArgumentException(property + " = \"" + text + "\" is less than 1MiB; accepted: " +
                    "a size of 1MiB or more, e.g. 512MiB, 2GiB, 1g, 1073741824");
            }
            return bytes;
        }
    }
}
