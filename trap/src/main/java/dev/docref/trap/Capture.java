package dev.docref.trap;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One capture: the files of one {@code capture-<UTC timestamp>-pid<PID>-<trigger>/} directory.
 * <p>
 * The off-CPU profiler starts first, on its own thread, so that the profile covers as much of the freeze as
 * possible; while it records, the capture thread writes {@code memory.txt} and the first thread dump. After the
 * window: the second thread dump, {@code recording.jfr}, {@code offcpu.folded}, {@code offcpu.svg}, the disk
 * budget, and last {@code summary.txt} and {@code summary.json}, so a directory with a summary is complete. Until
 * then it holds the {@code in-progress} marker of {@link CaptureStore}, which keeps other processes' budget passes
 * from deleting it. A capture that fails part way (its tool's kill waited for) leaves what an operator can use: if
 * a file in it holds a byte, the directory stays, with {@code failure.txt} saying what failed, in the layout of
 * {@code summary.txt}; if none does (the trap closing as it began, a disk full from the first write), nothing. A
 * capture is complete once its summary is written: if its marker cannot be removed after that, it is still handed to
 * the listener, and the log warns that no budget pass deletes it until this process exits.
 * <b>Thread-safety:</b> runs on the trap's capture thread, one capture at a time. Interrupted (the trap closing), a
 * capture stops its profile and leaves its thread interrupted, whichever way it ends.
 */
final class Capture
{
    static final String FOLDED = "offcpu.folded";
    static final String SVG = "offcpu.svg";
    static final String THREADS = "threads.txt";
    static final String MEMORY = "memory.txt";
    static final String JFR = "recording.jfr";
    static final String SUMMARY_JSON = "summary.json";
    static final String SUMMARY_TXT = "summary.txt";
    static final int TOP_STACKS = 10;

    private static final Duration MEMORY_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration MAX_THREAD_DUMP_TIMEOUT = Duration.ofSeconds(10);
    /** How long an interrupted capture waits for its profiler to kill the tool and return: the kill's grace, twice. */
    private static final Duration KILLED_PROFILE_WAIT = Duration.ofSeconds(5);

    private Capture()
    {
    }

    /**
     * Runs a capture and writes its directory, which holds the store's {@value CaptureStore#IN_PROGRESS} marker
     * until it is complete. A capture that fails part way is ended by {@link CaptureStore#fail} (its directory
     * removed if it holds no evidence, else kept with {@code failure.txt}) and logged, with what became of it. A
     * capture whose summary is written is complete even if its marker cannot be removed: that is logged as a warning.
     *
     * @return the capture directory, or {@code null} if the capture failed (its directory could not be created, or
     *         it failed part way).
     */
    static Path run(
        final FreezeTrap trap, final Trigger trigger, final String detail, final Instant firedAt,
        final long firedNanos)
    {
        final Path directory;
        try
        {
            directory = trap.store().create(firedAt, trigger);
        }
        catch (final UncheckedIOException ex)
        {
            trap.afterFailure("no capture directory was made", ex);
            return null;
        }
        final Written written;
        try
        {
            written = write(trap, directory, trigger, detail, firedAt, firedNanos);
        }
        catch (final RuntimeException | Error ex)
        {
            trap.afterFailure(trap.store().fail(directory, failure(trap, trigger, detail, firedAt, ex)), ex);
            return null;
        }
        // Complete from here on: its summary is written. A marker left behind costs only the budget's freedom to
        // delete this capture while this process lives, which is no reason to call the capture failed.
        try
        {
            trap.store().complete(directory);
        }
        catch (final UncheckedIOException ex)
        {
            trap.afterMarkerLeft(directory, ex);
        }
        trap.afterCapture(directory, written.result(), written.budget());
        return directory;
    }

    /** The text of a failed capture's {@code failure.txt}, laid out as {@code summary.txt} is. */
    private static String failure(
        final FreezeTrap trap, final Trigger trigger, final String detail, final Instant firedAt, final Throwable ex)
    {
        return "docref freeze trap capture that failed part way: it has no summary, and its other files are what " +
            "it wrote before the failure\n\n" +
            "trigger:        " + trigger.slug() + ": " + detail + '\n' +
            "pid:            " + trap.pid() + '\n' +
            "fired at:       " + firedAt + '\n' +
            "failed at:      " + Instant.now() + '\n' +
            "failure:        " + ex + '\n' +
            "\nstack trace:\n" + stackTrace(ex);
    }

    /**
     * For a failure the trap understands, what an operator should do about it; {@code null} for any other, which is
     * a bug. Understood: a read or write the file system refused ({@link UncheckedIOException}, which the capture
     * throws naming the file: a full disk, a directory the process may not write), and the trap closing as the
     * capture began.
     *
     * @param dir the captures' directory, {@value FreezeTrap#DIR_PROP_NAME}.
     */
    static String advice(final Throwable failure, final Path dir)
    {
        if (failure instanceof UncheckedIOException)
        {
            return "check that " + dir.toAbsolutePath() + " (" + FreezeTrap.DIR_PROP_NAME + ") has free space and " +
                "that this process may write there";
        }
        if (failure instanceof Closing)
        {
            return "nothing to fix: the trap was closing";
        }
        return null;
    }

    /** The capture could not start its profile: the trap is closing. */
    static final class Closing extends IllegalStateException
    {
        private static final long serialVersionUID = 1L;

        Closing(final Throwable cause)
        {
            super("the trap is closing", cause);
        }
    }

    private static String stackTrace(final Throwable ex)
    {
        final StringWriter text = new StringWriter();
        ex.printStackTrace(new PrintWriter(text));
        return text.toString();
    }

    /** What {@link #write} leaves for the log once the capture is complete. */
    private record Written(OffCpuProfiler.Result result, List<String> budget)
    {
    }

    /** Writes every file of the capture into {@code directory}, {@code summary.json} last. */
    private static Written write(
        final FreezeTrap trap, final Path directory, final Trigger trigger, final String detail, final Instant firedAt,
        final long firedNanos)
    {
        final TrapSettings settings = trap.settings();
        final long pid = trap.pid();
        final Instant startedAt = Instant.now();

        // On the trap's profiler thread, which exists before any capture (see FreezeTrap.start).
        final CompletableFuture<OffCpuProfiler.Result> profile = new CompletableFuture<>();
        final Future<?> profiling;
        try
        {
            profiling = trap.profilers().submit(() ->
            {
                try
                {
                    profile.complete(trap.profiler().profile(pid, settings.captureDuration(), directory));
                }
                catch (final RuntimeException | Error ex)
                {
                    profile.completeExceptionally(ex);
                }
            });
        }
        catch (final RejectedExecutionException ex)
        {
            throw new Closing(ex);
        }

        final boolean jvm = JvmEvidence.isJvm(pid);
        final Duration dumpTimeout = min(settings.captureDuration(), MAX_THREAD_DUMP_TIMEOUT);
        final StringBuilder threads = new StringBuilder();
        OffCpuProfiler.Result result;
        try
        {
            write(directory.resolve(MEMORY), header("memory of pid " + pid, Instant.now()) +
                JvmEvidence.memory(pid, MEMORY_TIMEOUT, trap.evidence()));
            if (jvm)
            {
                threads.append(header("thread dump at trigger", Instant.now()))
                    .append(JvmEvidence.threadDump(pid, dumpTimeout, trap.evidence()));
            }
            result = profile.get();
        }
        catch (final InterruptedException ex)
        {
            // Closing: stop the tool, and keep the run it made (killed) in the summary.
            profiling.cancel(true);
            result = afterInterrupt(profile);
            // The interrupt that ended the profile; awaitKilled has kept any second one.
            Thread.currentThread().interrupt();
        }
        catch (final ExecutionException ex)
        {
            result = new OffCpuProfiler.Result(FoldedStacks.empty(), List.of(), null,
                List.of("the profiler failed: " + ex.getCause()));
        }
        catch (final RuntimeException | Error ex)
        {
            // The capture failed before its profile ended (a full disk, say): stop the tool now. Left alone it would
            // run out its window with nobody waiting for it, and the next capture would start another. Waiting for
            // the kill leaves the tool's files final before the failed capture's remains are judged. A close() during
            // the wait ends it, and leaves the thread interrupted; CaptureStore.fail's file writes do not mind.
            profiling.cancel(true);
            awaitKilled(profile);
            throw ex;
        }
        final Instant profileEndedAt = Instant.now();

        final List<String> files = new ArrayList<>();
        if (jvm)
        {
            final String dumpAtEnd = JvmEvidence.threadDump(pid, dumpTimeout, trap.evidence());
            threads.append('\n').append(header("thread dump at end", Instant.now())).append(dumpAtEnd);
            write(directory.resolve(THREADS), threads.toString());
            files.add(THREADS);
            // libbpf-tools names a thread by its kernel name, cut to 15 characters and "java" for the main thread;
            // its tid is the nid of the dump, which has the Java name.
            result = trap.profiler().withJavaThreads(result,
                () -> JvmEvidence.javaThreadsByTid(pid, dumpAtEnd, dumpTimeout, trap.evidence()));
        }
        files.add(MEMORY);

        String jfr = null;
        if (trap.recording() != null)
        {
            final String problem = trap.recording().dump(directory.resolve(JFR));
            jfr = problem == null ? JFR : problem;
            if (problem == null)
            {
                files.add(JFR);
            }
        }
        else if (settings.jfr())
        {
            jfr = trap.recordingProblem();
        }

        write(directory.resolve(FOLDED), result.stacks().toFoldedText());
        files.add(FOLDED);
        write(directory.resolve(SVG), FlameGraph.render(result.stacks(), String.format(Locale.ROOT,
            "Off-CPU time of pid %d, %d s after %s fired at %s", pid, settings.captureDuration().toSeconds(),
            trigger.slug(), firedAt)));
        files.add(SVG);
        for (final ToolRun run : result.runs())
        {
            files.add(run.stdout().getFileName().toString());
            files.add(run.stderr().getFileName().toString());
        }

        final List<String> budget = trap.store().enforceBudget(directory);
        final Instant endedAt = Instant.now();
        final Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("trigger", trigger.slug());
        summary.put("detail", detail);
        summary.put("pid", pid);
        summary.put("jvm", jvm);
        summary.put("firedAt", firedAt);
        summary.put("captureStartedAt", startedAt);
        summary.put("profileEndedAt", profileEndedAt);
        summary.put("captureEndedAt", endedAt);
        summary.put("captureWindowMillis", settings.captureDuration());
        summary.put("stall", trap.stallReport(trigger, firedNanos));
        summary.put("tool", result.used() == null ? null : result.used().describe());
        summary.put("toolRuns", toolRuns(result.runs()));
        summary.put("offCpu", offCpu(result.stacks()));
        summary.put("problems", result.problems());
        summary.put("missing", trap.profiler().missing());
        summary.put("jfr", jfr);
        summary.put("diskBudget", budget);
        files.add(SUMMARY_JSON);
        files.add(SUMMARY_TXT);
        summary.put("files", files);
        write(directory.resolve(SUMMARY_TXT), text(summary, result));
        write(directory.resolve(SUMMARY_JSON), Json.write(summary));
        return new Written(result, budget);
    }

    /**
     * The profile of an interrupted capture: what the profiler returns once its tool is killed, with the
     * interruption among its problems, or an empty one.
     */
    private static OffCpuProfiler.Result afterInterrupt(final CompletableFuture<OffCpuProfiler.Result> profile)
    {
        final String closing = "the capture was interrupted: the trap is closing";
        final OffCpuProfiler.Result killed = awaitKilled(profile);
        if (killed == null)
        {
            return new OffCpuProfiler.Result(FoldedStacks.empty(), List.of(), null, List.of(closing));
        }
        final List<String> problems = new ArrayList<>(killed.problems());
        problems.add(closing);
        return new OffCpuProfiler.Result(killed.stacks(), killed.runs(), killed.used(), problems);
    }

    /**
     * Package-private for its test: a whole capture cannot be made to fail while its tool runs deterministically.
     *
     * @return what the profiler of a cancelled profile returns once its tool is killed, waiting at most
     *         {@link #KILLED_PROFILE_WAIT}; {@code null} if it does not, or failed, or the wait was interrupted, in
     *         which case the thread stays interrupted (a {@code close()} during the wait of a failed capture).
     */
    static OffCpuProfiler.Result awaitKilled(final CompletableFuture<OffCpuProfiler.Result> profile)
    {
        try
        {
            return profile.get(KILLED_PROFILE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return null;
        }
        catch (final ExecutionException | TimeoutException ex)
        {
            return null;
        }
    }

    private static List<Object> toolRuns(final List<ToolRun> runs)
    {
        final List<Object> json = new ArrayList<>();
        for (final ToolRun run : runs)
        {
            json.add(run.toJson());
        }
        return json;
    }

    private static Map<String, Object> offCpu(final FoldedStacks stacks)
    {
        final Map<String, Object> json = new LinkedHashMap<>();
        json.put("totalMicros", stacks.totalMicros());
        json.put("stacks", stacks.size());
        final List<Object> top = new ArrayList<>();
        for (final Map.Entry<String, Long> entry : stacks.top(TOP_STACKS))
        {
            final Map<String, Object> stack = new LinkedHashMap<>();
            stack.put("micros", entry.getValue());
            stack.put("percent", percent(entry.getValue(), stacks.totalMicros()));
            stack.put("stack", entry.getKey());
            top.add(stack);
        }
        json.put("top", top);
        return json;
    }

    private static double percent(final long part, final long total)
    {
        return total == 0 ? 0.0 : Math.round(10_000.0 * part / total) / 100.0;
    }

    @SuppressWarnings("unchecked")
    private static String text(final Map<String, Object> summary, final OffCpuProfiler.Result result)
    {
        final StringBuilder text = new StringBuilder();
        text.append("docref freeze trap capture\n\n");
        text.append("trigger:        ").append(summary.get("trigger")).append(": ").append(summary.get("detail"))
            .append('\n');
        text.append("pid:            ").append(summary.get("pid")).append(Boolean.TRUE.equals(summary.get("jvm"))
            ? " (a JVM)" : "").append('\n');
        text.append("fired at:       ").append(summary.get("firedAt")).append('\n');
        text.append("profile ended:  ").append(summary.get("profileEndedAt")).append('\n');
        text.append("capture ended:  ").append(summary.get("captureEndedAt")).append('\n');
        final Map<String, Object> stall = (Map<String, Object>)summary.get("stall");
        text.append("stall:          ").append(stall.get("text")).append('\n');
        final Map<String, Object> split = (Map<String, Object>)stall.get("split");
        if (split != null)
        {
            text.append("  split:        ").append(String.format(Locale.ROOT, "of the stall detector's %,d ms: ",
                stall.get("stallDetectorMillis"))).append(split.get("text")).append('\n');
        }
        text.append("tool:           ")
            .append(summary.get("tool") == null ? "none produced stacks" : summary.get("tool"))
            .append('\n');
        for (final ToolRun run : result.runs())
        {
            text.append("  ran:          ").append(run.commandLine()).append("\n                ")
                .append(run.outcome()).append(", stderr in ").append(run.stderr().getFileName()).append('\n');
        }
        for (final String problem : result.problems())
        {
            text.append("problem:        ").append(problem).append('\n');
        }
        for (final Object missing : (List<Object>)summary.get("missing"))
        {
            text.append("missing:        ").append(missing).append('\n');
        }
        if (summary.get("jfr") != null)
        {
            text.append("jfr:            ").append(summary.get("jfr")).append('\n');
        }
        for (final Object line : (List<Object>)summary.get("diskBudget"))
        {
            text.append("disk budget:    ").append(line).append('\n');
        }
        final FoldedStacks stacks = result.stacks();
        text.append(String.format(Locale.ROOT, "%noff-CPU:        %,d us in %,d stacks%n", stacks.totalMicros(),
            stacks.size()));
        int rank = 1;
        for (final Map.Entry<String, Long> entry : stacks.top(TOP_STACKS))
        {
            text.append(String.format(Locale.ROOT, "%n#%d  %,d us (%.2f%%)%n", rank++, entry.getValue(),
                percent(entry.getValue(), stacks.totalMicros())));
            final String[] frames = entry.getKey().split(";");
            for (int i = frames.length - 1; i >= 0; i--)
            {
                text.append("    ").append(frames[i]).append('\n');
            }
        }
        text.append("\nfiles:          ").append(String.join(", ", (List<String>)summary.get("files"))).append('\n');
        return text.toString();
    }

    private static String header(final String what, final Instant time)
    {
        return "=== " + what + ", " + time + " ===\n";
    }

    private static Duration min(final Duration a, final Duration b)
    {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static void write(final Path file, final String text)
    {
        try
        {
            CaptureStore.writeText(file, text);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write " + file + ": " + ex, ex);
        }
    }
}
