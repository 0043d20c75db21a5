package dev.docref.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import dev.docref.guard.AllocationGuard;
import dev.docref.guard.GuardMode;
import dev.docref.guard.PropertyValues;
import dev.docref.trap.HealthProbe;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * The main demo: replays the feed-index incident on the conventional doubling maps and on
 * {@code PresizedDocRefMap}, side by side, and writes {@code incident-report.html}.
 * <p>
 * For each map in turn ({@code java.util.HashMap<Long, Long>} and fastutil {@code Long2LongOpenHashMap} behind a
 * {@code ReentrantReadWriteLock}, then {@code PresizedDocRefMap} with no lock), on the same random keys with the
 * same threads: a warm-up on a throwaway map of the same kind, then the measured phase ({@link ReplayPhase}), in
 * which one thread ingests every key while query threads read keys already ingested. During each measured phase:
 * <ul>
 *     <li>the global {@link AllocationGuard} runs in WARN mode with a single-allocation limit of 64 MiB at the
 *     default scale (so that the last doublings cross it, see {@link ReplayOptions#guardLimit()}); the doubling
 *     maps show it each resize's {@code ResizeForecast} before the insert that makes it ({@code checkResize}, which
 *     counts the whole resize, both of fastutil's arrays together), so its warning comes just before the big resize
 *     (the ingest thread waits, outside any put, until the trap is free and then for its profiler to attach);</li>
 *     <li>a {@code FreezeTrap} runs with its stall detector and a health probe (one query through the map's lock
 *     every 100 ms, deadline 500 ms), armed by the guard's warnings, and writes its captures under
 *     {@code <out>/captures/<map>/} ({@link PhaseTrap});</li>
 *     <li>JFR records the ingest thread's allocations outside TLABs, where every large array shows up.</li>
 * </ul>
 * It prints a table (worst put, query p99, p99.9 and max, largest single allocation, bytes per entry, heap and
 * off-heap) and writes {@code incident-report.html}, {@code incident-report.svg} and {@code incident-report.csv}
 * into the output directory. Run it:
 * <pre>
 *   mvn -B -q -pl examples -am package -DskipTests &amp;&amp; java -jar examples/target/incident-replay.jar
 *   java -Xmx12g -jar examples/target/incident-replay.jar --entries 58720257     # the incident's scale
 * </pre>
 * Exit status: 0 when it ran to completion, 2 for invalid arguments (with the usage) or a heap too small for the
 * chosen scale, 1 if the replay failed. A failure it expects (a report file it cannot write, a bad
 * {@code docref.trap.*} or {@code docref.guard.*} system property, a capture directory the trap cannot use) is one
 * line saying what to do ({@link ExampleFailure}); any other (a query that got a wrong answer) is a bug, printed with
 * its stack trace. See {@code src/site/markdown/demo.md}.
 * <p>
 * <b>Thread-safety and ownership:</b> one replay at a time per JVM, because it reconfigures the global allocation
 * guard (and restores it at the end). It owns and closes every map, trap and JFR recording it creates.
 */
public final class IncidentReplay
{
    /** The report's file name in the output directory. */
    public static final String REPORT_HTML = "incident-report.html";
    /** The chart alone, the same SVG the report embeds. */
    public static final String REPORT_SVG = "incident-report.svg";
    /** One line of figures per map, for scripts. */
    public static final String REPORT_CSV = "incident-report.csv";

    private final ReplayOptions options;
    private final PrintStream out;
    private final Path outDir;
    private final long[] keys;

    private IncidentReplay(final ReplayOptions options, final PrintStream out, final long[] keys)
    {
        this.options = options;
        this.out = out;
        this.outDir = options.out.toAbsolutePath().normalize();
        this.keys = keys;
    }

    /**
     * Runs the demo and exits: 0 on success, 2 for invalid arguments, 1 if the replay failed.
     *
     * @param args see {@link ReplayOptions#USAGE}, or {@code --help}.
     */
    public static void main(final String[] args)
    {
        // One line per log record: the guard's warning and the trap's messages read as part of the demo's output.
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null &&
            System.getProperty("java.util.logging.config.file") == null)
        {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%4$s: %5$s%6$s%n");
        }
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the demo as {@link #main} does, without exiting.
     *
     * @return the exit status: 0 success, 2 invalid arguments or too small a heap, 1 failure.
     */
    static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        final ReplayOptions options;
        try
        {
            options = ReplayOptions.parse(args);
        }
        catch (final IllegalArgumentException ex)
        {
            err.println("incident-replay: " + ex.getMessage());
            err.println();
            err.println(ReplayOptions.USAGE);
            return 2;
        }
        if (options.help)
        {
            out.println(ReplayOptions.USAGE);
            return 0;
        }
        final String heapProblem = HeapBudget.problem(options, HeapBudget.Heap.ofThisJvm(), HeapBudget.totalMemory());
        if (heapProblem != null)
        {
            err.println("incident-replay: " + heapProblem);
            return 2;
        }
        try
        {
            replay(options, out);
            return 0;
        }
        catch (final ExampleFailure ex)
        {
            return ex.print("incident-replay", err);
        }
        catch (final Exception | OutOfMemoryError ex)
        {
            // Not a failure the demo expects: a bug, whose stack trace is wanted.
            err.println("incident-replay failed: " + ex);
            ex.printStackTrace(err);
            return 1;
        }
    }

    /**
     * Runs every phase, prints the table and writes the report.
     *
     * @return one result per map, in the order run.
     */
    static List<PhaseResult> replay(final ReplayOptions options, final PrintStream out)
        throws IOException, InterruptedException, ExampleFailure
    {
        final long[] keys = randomKeys(options.entries, options.seed);
        final IncidentReplay replay = new IncidentReplay(options, out, keys);
        final AllocationGuard guard = ExampleFailure.ofSettings(AllocationGuard::global);
        final Properties previous = guardSettings(guard);
        final Properties demo = new Properties();
        demo.setProperty(AllocationGuard.MODE_PROP_NAME, "warn");
        demo.setProperty(AllocationGuard.SINGLE_ALLOCATION_LIMIT_PROP_NAME, Long.toString(options.guardLimit()));
        demo.setProperty(AllocationGuard.WARN_INTERVAL_PROP_NAME, "0s");
        guard.reconfigure(demo);
        try (Recording recording = new Recording())
        {
            // Started before the first warm-up: JFR's own start-up holds the process up for milliseconds.
            recording.enable("jdk.ObjectAllocationOutsideTLAB").withoutStackTrace();
            recording.start();
            return replay.runAll(recording);
        }
        finally
        {
            guard.reconfigure(previous);
        }
    }

    private List<PhaseResult> runAll(final Recording recording)
        throws IOException, InterruptedException, ExampleFailure
    {
        try
        {
            Files.createDirectories(outDir);
        }
        catch (final IOException ex)
        {
            throw new ExampleFailure("cannot create the output directory " + outDir + " (" + ex + "); give another " +
                "--out", ex);
        }
        final Instant started = Instant.now();
        out.printf(Locale.ROOT, "docref incident replay: %,d keys into %s%n", options.entries,
            options.maps.stream().map(kind -> kind.title).collect(Collectors.joining(", ")));
        out.println("  " + ReplayPhase.describeLoad(options));
        out.println("  " + describeGuard(options));
        out.printf(Locale.ROOT, "  freeze trap: probe every %d ms with a %d ms deadline, stall threshold %d ms, " +
            "%d s captures, armed by guard warnings%n", PhaseTrap.PROBE_INTERVAL.toMillis(),
            PhaseTrap.PROBE_DEADLINE.toMillis(), PhaseTrap.STALL_THRESHOLD.toMillis(),
            options.captureDuration().toSeconds());
        out.printf(Locale.ROOT, "  %s%n  output: %s%n", environment(), outDir);

        final List<PhaseResult> results = new ArrayList<>();
        for (final FeedIndex.Kind kind : options.maps)
        {
            out.printf(Locale.ROOT, "%n== %s: %s ==%n", kind.title, kind.description);
            warmUp(kind);
            final PhaseResult result = measure(kind, recording);
            results.add(result);
            out.printf(Locale.ROOT, "  done: %s; worst put %s, query p99.9 %s, query max %s, %d guard warning%s, " +
                    "%s%n", result.phase().describeIngest(),
                ReplayPhase.formatNanos(result.phase().worstPutNanos()),
                ReplayPhase.formatNanos(result.queries().getValueAtPercentile(99.9)),
                ReplayPhase.formatNanos(result.queries().getMaxValue()), result.phase().warnings().size(),
                result.phase().warnings().size() == 1 ? "" : "s", describeCaptures(result.captures()));
        }

        final IncidentReport report = new IncidentReport(options, results, started, environment(), outDir);
        out.println();
        out.println(report.textTable());
        out.println(report.notes());
        writeReport(outDir, report);
        out.println("Report: " + outDir.resolve(REPORT_HTML));
        return results;
    }

    /**
     * @return the header's line about the guard: its limit and where the limit came from, {@code --guard-limit} or
     *         the scale, for example "allocation guard: WARN mode, single-allocation limit 64.00 MiB (scaled with
     *         --entries: 4 bytes per slot of HashMap's last table, so that this scale's last doublings cross it;
     *         the guard's own default is 1 GiB)".
     */
    static String describeGuard(final ReplayOptions options)
    {
        return "allocation guard: WARN mode, single-allocation limit " +
            PropertyValues.formatBytes(options.guardLimit()) + " (" + (options.guardLimit != null ? "--guard-limit" :
            "scaled with --entries: 4 bytes per slot of HashMap's last table, so that this scale's last doublings " +
            "cross it") + "; the guard's own default is 1 GiB)";
    }

    /**
     * @return what a phase's {@code done:} line says of its captures: how many completed and how many failed part
     *         way, naming each failure's {@code failure.txt}, then how many were not finished when the phase ended,
     *         if any: "2 captures complete, 1 failed part way (what failed: .../failure.txt)".
     */
    static String describeCaptures(final List<PhaseResult.CaptureRecord> captures)
    {
        final List<Path> failures = captures.stream().filter(PhaseResult.CaptureRecord::failed)
            .map(PhaseResult.CaptureRecord::failure).collect(Collectors.toList());
        final long complete = captures.stream().filter(capture -> capture.complete() && !capture.failed()).count();
        final long unfinished = captures.size() - complete - failures.size();
        return String.format(Locale.ROOT, "%d capture%s complete, %s%s", complete, complete == 1 ? "" : "s",
            failures.isEmpty() ? "none failed" : failures.size() + " failed part way (what failed: " +
                failures.stream().map(Path::toString).collect(Collectors.joining(", ")) + ")",
            unfinished == 0 ? "" : ", " + unfinished + " not finished when the phase ended");
    }

    /**
     * Writes the CSV, the chart and the HTML, in that order.
     *
     * @throws ExampleFailure for a file that cannot be written (a full disk, a directory in its place), naming it,
     *                        what failed, and which of the three this run did not write: any such file already there
     *                        is an earlier run's, which a reader could take for this one's. The table printed before
     *                        has the figures.
     */
    static void writeReport(final Path outDir, final IncidentReport report) throws ExampleFailure
    {
        final List<String> names = List.of(REPORT_CSV, REPORT_SVG, REPORT_HTML);
        final List<Supplier<String>> texts = List.of(report::csv, report::svg, report::html);
        for (int i = 0; i < names.size(); i++)
        {
            final Path file = outDir.resolve(names.get(i));
            try
            {
                Files.writeString(file, texts.get(i).get(), StandardCharsets.UTF_8);
            }
            catch (final IOException ex)
            {
                final List<String> unwritten = names.subList(i + 1, names.size());
                final String notWritten = unwritten.isEmpty() ? "" : ", and " + String.join(" and ", unwritten) +
                    (unwritten.size() == 1 ? " was" : " were") + " not written";
                throw new ExampleFailure("cannot write " + file + " (" + ex + "), so the report is not complete: " +
                    names.get(i) + " is cut short or as it was" + notWritten + " (any of them there before are an " +
                    "earlier run's); the table above has this run's figures. Free space in " + outDir + " or give " +
                    "another --out", ex);
            }
        }
    }

    private void warmUp(final FeedIndex.Kind kind) throws InterruptedException
    {
        final int entries = options.warmupEntries();
        out.printf(Locale.ROOT, "  warm-up: %,d keys into a throwaway map, so that JIT compilation is not what is " +
            "measured%n", entries);
        final ReplayPhase warmup = new ReplayPhase(kind, keys, entries, options, null);
        try (FeedIndex index = kind.create(entries))
        {
            warmup.run(index, null);
        }
    }

    private PhaseResult measure(final FeedIndex.Kind kind, final Recording recording)
        throws IOException, InterruptedException, ExampleFailure
    {
        final int entries = keys.length;
        final AtomicReference<FeedIndex> current = new AtomicReference<>();
        final long probeKey = keys[0];
        // The probe holds this monitor while it queries, so that once the map is unset under it no probe is left
        // inside a map about to be closed.
        final Object probing = new Object();
        final HealthProbe probe = () ->
        {
            synchronized (probing)
            {
                final FeedIndex index = current.get();
                if (index != null)
                {
                    index.get(probeKey);
                }
            }
        };
        final long heapBytes;
        final long offHeapBytes;
        final long largestNative;
        final long longestStall;
        final ReplayPhase phase;
        final List<PhaseResult.CaptureRecord> captures;
        try (PhaseTrap trap = new PhaseTrap(outDir.resolve("captures").resolve(kind.id), probe,
            options.captureDuration(), out))
        {
            phase = new ReplayPhase(kind, keys, entries, options, trap);
            final long heapBefore = usedHeapAfterGc();
            try (FeedIndex index = kind.create(entries))
            {
                current.set(index);
                out.printf(Locale.ROOT, "  measuring: %,d keys from %s%n", entries,
                    kind == FeedIndex.Kind.DOCREF_PRESIZED ? "a map pre-sized for them" : "an empty map");
                trap.start();
                try
                {
                    phase.run(index, out);
                    trap.awaitPending();
                    longestStall = trap.longestStallNanos();
                }
                finally
                {
                    synchronized (probing)
                    {
                        current.set(null);
                    }
                    trap.close();
                }
                offHeapBytes = index.offHeapBytes();
                largestNative = index.largestNativeAllocationBytes();
                heapBytes = Math.max(0, usedHeapAfterGc() - heapBefore);
            }
            captures = trap.captures(phase.startInstant());
        }
        final Instant from = phase.startInstant();
        final Instant to = from.plusNanos(phase.durationNanos());
        final long largestHeap = largestHeapAllocation(recording, ReplayPhase.ingestThreadName(kind, true), from, to);
        return new PhaseResult(phase, phase.queryLatencies(), phase.queryTimeline(), captures, largestHeap,
            largestNative, heapBytes, offHeapBytes, longestStall);
    }

    /** The largest allocation outside a TLAB (every large array is one) by {@code thread} in {@code [from, to]}. */
    static long largestHeapAllocation(
        final Recording recording, final String thread, final Instant from, final Instant to) throws IOException
    {
        final Path file = Files.createTempFile("incident-replay-", ".jfr");
        try
        {
            recording.dump(file);
            long largest = 0;
            try (RecordingFile events = new RecordingFile(file))
            {
                while (events.hasMoreEvents())
                {
                    final RecordedEvent event = events.readEvent();
                    final RecordedThread eventThread = event.getThread();
                    if ("jdk.ObjectAllocationOutsideTLAB".equals(event.getEventType().getName()) &&
                        eventThread != null && thread.equals(eventThread.getJavaName()) &&
                        !event.getStartTime().isBefore(from) && !event.getStartTime().isAfter(to))
                    {
                        largest = Math.max(largest, event.getLong("allocationSize"));
                    }
                }
            }
            return largest;
        }
        finally
        {
            Files.deleteIfExists(file);
        }
    }

    static long[] randomKeys(final long entries, final long seed)
    {
        final long[] keys = new long[Math.toIntExact(entries)];
        final SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < keys.length; i++)
        {
            keys[i] = random.nextLong();
        }
        return keys;
    }

    static long usedHeapAfterGc()
    {
        for (int i = 0; i < 2; i++)
        {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static Properties guardSettings(final AllocationGuard guard)
    {
        final Properties settings = new Properties();
        final GuardMode mode = guard.mode();
        settings.setProperty(AllocationGuard.MODE_PROP_NAME, mode.name().toLowerCase(Locale.ROOT));
        final long limit = guard.singleAllocationLimit();
        settings.setProperty(AllocationGuard.SINGLE_ALLOCATION_LIMIT_PROP_NAME,
            limit == Long.MAX_VALUE ? PropertyValues.UNLIMITED : Long.toString(limit));
        settings.setProperty(AllocationGuard.WARN_INTERVAL_PROP_NAME, guard.warnInterval().toMillis() + "ms");
        return settings;
    }

    static String environment()
    {
        final Runtime runtime = Runtime.getRuntime();
        return String.format(Locale.ROOT, "%s %s, max heap %s, %d CPUs, %s %s", System.getProperty("java.vm.name"),
            System.getProperty("java.version"), PropertyValues.formatBytes(runtime.maxMemory()),
            runtime.availableProcessors(), System.getProperty("os.name"), System.getProperty("os.version"));
    }
}
