package dev.docref.trap;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The command line of {@code docref-trap.jar}: {@code watch} any process with a shell probe and capture its freezes,
 * or render a folded-stacks file as a flame graph.
 * <p>
 * {@code watch} builds a {@link FreezeTrap} for another process with a {@link CommandProbe}; stall detection and
 * guard arming belong to the watched JVM and are off. Every {@code docref.trap.*} property still applies
 * ({@code -Ddocref.trap.cooldown=1m}); the flags override their properties, before those are read, so that a bad
 * property a flag overrides is no error. A bad value names where it came from,
 * with what is accepted: {@code --probe-interval = "5ms" is out of range; accepted: 10ms to 1h, ...} for a flag, the
 * property for a property. Exit codes: 0 done, 1 failed (the watched process exited, or the input could not be
 * read), 2 bad arguments (with the usage), among them a directory that cannot hold captures.
 * <b>Thread-safety:</b> a program entry point; {@link #run} is not meant to run twice at once.
 */
public final class TrapCommand
{
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    static final String USAGE_TEXT = String.join("\n",
        "Usage:",
        "  java -jar docref-trap.jar watch --pid PID --probe-cmd \"CMD\" [--probe-interval 1s] [--probe-deadline 2s]",
        "                                  [--capture-duration 15s] [--dir DIR] [--once]",
        "  java -jar docref-trap.jar flamegraph IN.folded > OUT.svg",
        "",
        "watch       Runs CMD through /bin/sh every probe interval: exit 0 within the deadline is healthy. A probe",
        "            still running at the deadline, or failing 3 times in a row, starts a capture of PID: an",
        "            off-CPU profile with BCC offcputime, thread dumps if PID is a JVM, memory, and a summary, in",
        "            DIR/capture-<UTC time>-pid<this PID>-<trigger>/. The profile needs root, or CAP_BPF and",
        "            CAP_PERFMON as the tool's file capabilities (setcap) or as this JVM's ambient capabilities.",
        "            --once exits 0 after the first complete capture (a capture that fails is logged, and watching",
        "            goes on).",
        "            Defaults come from -Ddocref.trap.* properties (dir, probe.interval, probe.deadline,",
        "            capture.duration, cooldown, max.captures.per.hour, max.disk, command, jfr).",
        "flamegraph  Renders folded stacks (or libbpf-tools offcputime output) as a self-contained SVG on stdout.",
        "",
        "Durations: 500ms, 2s, 1m. Exit codes: 0 done, 1 failed, 2 bad arguments.",
        "");

    private static final Duration POLL = Duration.ofMillis(200);

    /** The flags of {@code watch} that override a {@code docref.trap.*} property, and that property. */
    private static final Map<String, String> OVERRIDDEN = Map.of(
        "--probe-interval", FreezeTrap.PROBE_INTERVAL_PROP_NAME,
        "--probe-deadline", FreezeTrap.PROBE_DEADLINE_PROP_NAME,
        "--capture-duration", FreezeTrap.CAPTURE_DURATION_PROP_NAME,
        "--dir", FreezeTrap.DIR_PROP_NAME);

    private TrapCommand()
    {
    }

    /**
     * Runs the command line and exits with its code.
     *
     * @param args see {@link #USAGE_TEXT}.
     */
    public static void main(final String[] args)
    {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the command line.
     *
     * @return the exit code.
     */
    static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        if (args.length == 0)
        {
            return usage(err, "no command given");
        }
        switch (args[0])
        {
            case "watch":
                return watch(List.of(args).subList(1, args.length), out, err);
            case "flamegraph":
                return flameGraph(List.of(args).subList(1, args.length), out, err);
            case "-h":
            case "--help":
            case "help":
                out.print(USAGE_TEXT);
                return OK;
            default:
                return usage(err, "unknown command \"" + args[0] + "\"");
        }
    }

    private static int flameGraph(final List<String> args, final PrintStream out, final PrintStream err)
    {
        if (args.size() != 1 || args.get(0).startsWith("-"))
        {
            return usage(err, "flamegraph takes one argument, the folded-stacks file; got " + args);
        }
        final Path input = Path.of(args.get(0));
        if (!Files.isRegularFile(input))
        {
            return usage(err, "flamegraph: " + input + " is not a file");
        }
        final FoldedStacks stacks;
        try
        {
            stacks = FoldedStacks.parse(Files.readString(input, StandardCharsets.UTF_8), KernelSymbols.load());
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            err.println("error: " + input + ": " + ex.getMessage());
            return FAILED;
        }
        out.print(FlameGraph.render(stacks, "Off-CPU time: " + input.getFileName()));
        out.flush();
        return OK;
    }

    private static int watch(final List<String> args, final PrintStream out, final PrintStream err)
    {
        final Map<String, String> options = new LinkedHashMap<>();
        boolean once = false;
        for (int i = 0; i < args.size(); i++)
        {
            final String arg = args.get(i);
            switch (arg)
            {
                case "--once":
                    once = true;
                    break;
                case "--pid":
                case "--probe-cmd":
                case "--probe-interval":
                case "--probe-deadline":
                case "--capture-duration":
                case "--dir":
                    if (i + 1 >= args.size())
                    {
                        return usage(err, arg + " needs a value");
                    }
                    if (options.put(arg, args.get(++i)) != null)
                    {
                        return usage(err, arg + " is given twice");
                    }
                    break;
                default:
                    return usage(err, "unknown option \"" + arg + "\" for watch");
            }
        }
        if (!options.containsKey("--pid"))
        {
            return usage(err, "watch needs --pid PID");
        }
        if (!options.containsKey("--probe-cmd") || options.get("--probe-cmd").isBlank())
        {
            return usage(err, "watch needs --probe-cmd \"CMD\", a shell command that exits 0 when PID is healthy");
        }
        final long pid;
        try
        {
            pid = Long.parseLong(options.get("--pid"));
        }
        catch (final NumberFormatException ex)
        {
            return usage(err, "--pid " + options.get("--pid") + " is not a process id");
        }
        final Optional<ProcessHandle> process = pid > 0 ? ProcessHandle.of(pid) : Optional.empty();
        if (process.isEmpty() || !process.get().isAlive())
        {
            return usage(err, "--pid " + pid + ": no such process");
        }

        final LinkedBlockingQueue<Path> written = new LinkedBlockingQueue<>();
        final FreezeTrap trap;
        try
        {
            // A flag's property is dropped before the properties are read: the flag wins, and a bad value it replaces
            // is no error. Each value's error names where it came from: the flag, or the property.
            final Properties properties = new Properties();
            properties.putAll(System.getProperties());
            for (final String flag : options.keySet())
            {
                if (OVERRIDDEN.containsKey(flag))
                {
                    properties.remove(OVERRIDDEN.get(flag));
                }
            }
            final FreezeTrap.Builder builder = FreezeTrap.builder(properties);
            if (options.containsKey("--probe-interval"))
            {
                builder.probeInterval("--probe-interval", options.get("--probe-interval"));
            }
            if (options.containsKey("--probe-deadline"))
            {
                builder.probeDeadline("--probe-deadline", options.get("--probe-deadline"));
            }
            if (options.containsKey("--capture-duration"))
            {
                builder.captureDuration("--capture-duration", options.get("--capture-duration"));
            }
            if (options.containsKey("--dir"))
            {
                builder.dir("--dir", options.get("--dir"));
            }
            final TrapSettings settings = builder.settings();
            trap = builder.pid(pid)
                .probe(new CommandProbe(options.get("--probe-cmd"),
                    settings.probeDeadline().plus(settings.captureDuration())))
                .stallDetection(false)
                .guardArming(false)
                .onCapture(written::add)
                .build();
        }
        catch (final IllegalArgumentException ex)
        {
            return usage(err, ex.getMessage());
        }

        final Thread closer = new Thread(trap::close, "docref-trap-shutdown");
        Runtime.getRuntime().addShutdownHook(closer);
        try
        {
            try
            {
                trap.start();
            }
            catch (final IllegalArgumentException ex)
            {
                // The directory (--dir, or docref.trap.dir) cannot hold captures.
                return usage(err, ex.getMessage());
            }
            if (!trap.isRunning())
            {
                err.println("docref-trap: disabled by " + FreezeTrap.ENABLED_PROP_NAME + "=false; nothing to watch");
                return OK;
            }
            err.println("docref-trap: watching pid " + pid + " with probe: " + options.get("--probe-cmd"));
            err.println("docref-trap: off-CPU tool: " + trap.profiler().describe());
            for (final String missing : trap.profiler().missing())
            {
                err.println("docref-trap: missing: " + missing);
            }
            while (true)
            {
                final Path directory = written.poll(POLL.toMillis(), TimeUnit.MILLISECONDS);
                if (directory != null)
                {
                    out.println(directory.toAbsolutePath());
                    out.flush();
                    if (once)
                    {
                        return OK;
                    }
                }
                else if (!process.get().isAlive() && !trap.captureRunning())
                {
                    err.println("docref-trap: process " + pid + " exited");
                    return FAILED;
                }
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return FAILED;
        }
        finally
        {
            trap.close();
            try
            {
                Runtime.getRuntime().removeShutdownHook(closer);
            }
            catch (final IllegalStateException ex)
            {
                // Already shutting down: the hook runs close() again, which is harmless.
            }
        }
    }

    private static int usage(final PrintStream err, final String problem)
    {
        err.println("error: " + problem);
        err.println();
        err.print(USAGE_TEXT);
        err.flush();
        return USAGE;
    }
}
