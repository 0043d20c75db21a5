package dev.docref.trap;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Records the off-CPU stacks of one process for a window of time with whichever BCC {@code offcputime} works on
 * this machine, falling back from one tool to the next.
 * <p>
 * Tools, in the order tried: the {@code docref.trap.command} template if set; BCC's Python tool
 * ({@code offcputime-bpfcc} or {@code /usr/share/bcc/tools/offcputime}) run as {@code -K -f -p PID SECONDS};
 * BCC's libbpf-tools build ({@code /usr/sbin/offcputime}) run as {@code -p PID SECONDS}. A tool that exits non-zero
 * before its window is over (the Python tool compiles its BPF program at start and fails within seconds on kernels
 * without kprobes or headers) is followed by the next tool for the rest of the window, and is tried last in later
 * captures. Every tool runs with a timeout of its window plus a grace period for printing; a tool still running
 * then is killed and its partial output dropped. Standard error is kept in the capture directory.
 * <p>
 * Without root (or {@code CAP_BPF} and {@code CAP_PERFMON}) the BCC tools are not run; {@link #missing()} says what
 * is missing and how to get it.
 * <p>
 * <b>Thread-safety:</b> {@link #profile} may be called from one thread at a time (the trap runs one capture at a
 * time); {@link #missing()} and {@link #describe()} from any thread.
 */
final class OffCpuProfiler
{
    /** How to install a tool that works without kernel headers, as messages say it. */
    static final String INSTALL_HINT = "apt-get install libbpf-tools (gives /usr/sbin/offcputime; it uses the " +
        "kernel's BTF and needs no kernel headers)";
    /** Placeholders of a command template. */
    static final String PID_PLACEHOLDER = "{pid}";
    static final String SECONDS_PLACEHOLDER = "{seconds}";
    /** Time after the window for a tool to resolve symbols and print before it is killed. */
    static final Duration DEFAULT_GRACE = Duration.ofSeconds(15);

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{[^}\\s]*}");
    private static final Duration SHORTEST_WINDOW = Duration.ofSeconds(1);
    private static final Path BCC_PYTHON_TOOLS = Path.of("/usr/share/bcc/tools/offcputime");
    private static final int CAP_SYS_ADMIN = 21;
    private static final int CAP_PERFMON = 38;
    private static final int CAP_BPF = 39;

    /** Which kind of tool, for its arguments and its output. */
    enum Kind
    {
        /** The {@code docref.trap.command} template, run through {@code /bin/sh -c}. */
        COMMAND("command"),
        /** BCC's Python {@code offcputime}: compiles its BPF program with the kernel's headers at start. */
        BCC_PYTHON("bcc-python"),
        /** BCC's libbpf-tools {@code offcputime}: a compiled CO-RE program, needs BTF but no headers. */
        LIBBPF_TOOLS("libbpf-tools");

        final String slug;

        Kind(final String slug)
        {
            this.slug = slug;
        }
    }

    /**
     * One tool.
     *
     * @param kind    how to call it and read it.
     * @param program the executable, or the template for {@link Kind#COMMAND}.
     */
    record Tool(Kind kind, String program)
    {
        List<String> command(final long pid, final long seconds)
        {
            switch (kind)
            {
                case COMMAND:
                    return List.of("/bin/sh", "-c", program
                        .replace(PID_PLACEHOLDER, Long.toString(pid))
                        .replace(SECONDS_PLACEHOLDER, Long.toString(seconds)));
                case BCC_PYTHON:
                    return List.of(program, "-K", "-f", "-p", Long.toString(pid), Long.toString(seconds));
                default:
                    return List.of(program, "-p", Long.toString(pid), Long.toString(seconds));
            }
        }

        String describe()
        {
            switch (kind)
            {
                case COMMAND:
                    return "docref.trap.command '" + program + "'";
                case BCC_PYTHON:
                    return "BCC Python offcputime (" + program + ")";
                default:
                    return "libbpf-tools offcputime (" + program + ")";
            }
        }
    }

    /**
     * What one profile produced.
     *
     * @param stacks   the folded stacks; empty if no tool worked or the process was never off-CPU.
     * @param runs     every tool run, in order, including those that failed.
     * @param used     the tool whose output {@code stacks} is, or {@code null}.
     * @param problems one line per tool that failed or was skipped, saying why.
     */
    record Result(FoldedStacks stacks, List<ToolRun> runs, Tool used, List<String> problems)
    {
    }

    private final List<Tool> tools;
    private final List<String> missing;
    private final Duration grace;
    private final Supplier<KernelSymbols> kernelSymbols;

    OffCpuProfiler(
        final List<Tool> tools, final List<String> missing, final Duration grace,
        final Supplier<KernelSymbols> kernelSymbols)
    {
        this.tools = new ArrayList<>(tools);
        this.missing = new ArrayList<>(missing);
        this.grace = grace;
        this.kernelSymbols = kernelSymbols;
    }

    /**
     * Finds the tools this machine has and whether this process may use BPF.
     *
     * @param commandTemplate {@code docref.trap.command}, or {@code null}.
     */
    static OffCpuProfiler detect(final String commandTemplate)
    {
        final List<Tool> tools = new ArrayList<>();
        final List<String> missing = new ArrayList<>();
        if (commandTemplate != null)
        {
            tools.add(new Tool(Kind.COMMAND, commandTemplate));
        }
        final List<Tool> bcc = findBccTools();
        if (bcc.isEmpty())
        {
            missing.add("no BCC offcputime found (looked for offcputime-bpfcc and offcputime on PATH, /usr/sbin, " +
                "/sbin and " + BCC_PYTHON_TOOLS + "): install it with " + INSTALL_HINT +
                (commandTemplate == null ? ", or set docref.trap.command to a command that prints folded stacks" : ""));
        }
        else if (!privileged())
        {
            missing.add("not allowed to use BPF: this process (uid " + uid() + ") has neither CAP_SYS_ADMIN nor " +
                "CAP_BPF with CAP_PERFMON, so " + bcc.get(0).program() + " was not run; run as root, or set " +
                "docref.trap.command to e.g. 'sudo -n " + bcc.get(bcc.size() - 1).program() + " -p {pid} {seconds}'");
        }
        else
        {
            tools.addAll(bcc);
        }
        return new OffCpuProfiler(tools, missing, DEFAULT_GRACE, KernelSymbols::load);
    }

    /**
     * Checks a {@code docref.trap.command} template.
     *
     * @throws IllegalArgumentException in the style of the guard's {@code PropertyValues}, naming the property,
     *                                  the value and what is accepted.
     */
    static String checkTemplate(final String property, final String value)
    {
        final String accepted = "a shell command that prints off-CPU stacks (folded, or libbpf-tools offcputime's " +
            "blocks) on standard output, in which " + PID_PLACEHOLDER + " and " + SECONDS_PLACEHOLDER +
            " are replaced by the process id and the capture's seconds, e.g. 'sudo -n /usr/sbin/offcputime -p {pid} " +
            "{seconds}'";
        if (value == null || value.isBlank())
        {
            throw new IllegalArgumentException(property + " = " + (value == null ? "(no value)" : "\"" + value + "\"") +
                " is empty; accepted: " + accepted);
        }
        final Matcher matcher = PLACEHOLDER.matcher(value);
        while (matcher.find())
        {
            if (!matcher.group().equals(PID_PLACEHOLDER) && !matcher.group().equals(SECONDS_PLACEHOLDER))
            {
                throw new IllegalArgumentException(property + " = \"" + value + "\" has an unknown placeholder " +
                    matcher.group() + "; accepted: " + accepted);
            }
        }
        return value.strip();
    }

    /**
     * Records off-CPU stacks of {@code pid} for {@code window}, trying the tools in turn. Blocks for about the
     * window, at most the window plus the grace period plus a few seconds per failed tool. Interrupted (the trap
     * closing), it kills the running tool, tries no further one, and returns with the thread still interrupted.
     *
     * @param directory where each run's {@code tool-N-KIND.stdout} and {@code .stderr} go.
     */
    Result profile(final long pid, final Duration window, final Path directory)
    {
        final List<ToolRun> runs = new ArrayList<>();
        final List<String> problems = new ArrayList<>();
        final long deadline = System.nanoTime() + window.toNanos();
        for (final Tool tool : order())
        {
            if (Thread.currentThread().isInterrupted())
            {
                // Closing: a tool started now would only be killed at once. The interrupt stays for the caller.
                problems.add(tool.describe() + " was not tried: the trap is closing");
                continue;
            }
            final long remaining = deadline - System.nanoTime();
            if (!runs.isEmpty() && remaining < SHORTEST_WINDOW.toNanos())
            {
                problems.add(tool.describe() + " was not tried: the capture window was over");
                continue;
            }
            // Rounded: the first tool gets the whole window, a fallback the rest of it to the nearest second.
            final long seconds = Math.max(1, (remaining + 500_000_000L) / 1_000_000_000L);
            final String stem = "tool-" + (runs.size() + 1) + "-" + tool.kind().slug;
            final ToolRun run = ToolRun.execute(tool.describe(), tool.command(pid, seconds),
                Duration.ofSeconds(seconds).plus(grace), directory.resolve(stem + ".stdout"),
                directory.resolve(stem + ".stderr"));
            runs.add(run);
            if (run.interrupted())
            {
                // Not demoted: the tool was killed because the trap is closing, not because it failed.
                problems.add(tool.describe() + " was stopped (" + run.outcome() + ")");
                continue;
            }
            if (run.succeeded())
            {
                try
                {
                    FoldedStacks stacks = FoldedStacks.parse(run.readStdout(), kernelSymbols.get());
                    if (tool.kind() == Kind.BCC_PYTHON)
                    {
                        stacks = stacks.markAllKernel();
                    }
                    return new Result(stacks, runs, tool, problems);
                }
                catch (final IllegalArgumentException ex)
                {
                    problems.add(tool.describe() + " printed something that is not off-CPU stacks: " +
                        ex.getMessage());
                    // Tried last next time, as a tool that failed is: it exited 0, but gave nothing usable.
                    if (System.nanoTime() < deadline)
                    {
                        demote(tool);
                    }
                    continue;
                }
            }
            problems.add(tool.describe() + " failed (" + run.outcome() + lastLine(run.stderrTail()) + ")" +
                advice(tool));
            if (System.nanoTime() < deadline)
            {
                demote(tool);
            }
        }
        if (runs.isEmpty() && problems.isEmpty())
        {
            problems.add("no off-CPU tool was run: " + String.join("; ", missing()));
        }
        return new Result(FoldedStacks.empty(), runs, null, problems);
    }

    /** @return what this machine lacks for off-CPU profiles and how to get it; empty if nothing. */
    synchronized List<String> missing()
    {
        return List.copyOf(missing);
    }

    /** @return the tools in the order they will be tried, as one line, e.g. for a start-up log. */
    synchronized String describe()
    {
        if (tools.isEmpty())
        {
            return "no off-CPU tool";
        }
        final List<String> names = new ArrayList<>();
        for (final Tool tool : tools)
        {
            names.add(tool.describe());
        }
        return String.join(", then ", names);
    }

    /** @return whether any tool may be tried. */
    synchronized boolean hasTools()
    {
        return !tools.isEmpty();
    }

    /** @return the detection as {@code summary.json} shows it. */
    Map<String, Object> toJson()
    {
        final Map<String, Object> json = new LinkedHashMap<>();
        json.put("tools", describe());
        json.put("missing", missing());
        return json;
    }

    private synchronized List<Tool> order()
    {
        return List.copyOf(tools);
    }

    private synchronized void demote(final Tool tool)
    {
        if (tools.remove(tool))
        {
            tools.add(tool);
        }
    }

    private static String advice(final Tool tool)
    {
        if (tool.kind() == Kind.BCC_PYTHON)
        {
            return ": BCC's Python tool compiles its BPF program at start, which fails on kernels without kprobes " +
                "or kernel headers; " + INSTALL_HINT + " avoids that";
        }
        return "";
    }

    /** The last line of a tool's stderr is its verdict: a Python traceback ends with the exception. */
    private static String lastLine(final String text)
    {
        final String[] lines = text.split("\n");
        for (int i = lines.length - 1; i >= 0; i--)
        {
            if (!lines[i].isBlank())
            {
                final String trimmed = lines[i].strip();
                return ": " + (trimmed.length() <= 200 ? trimmed : Excerpt.head(trimmed, 197) + "...");
            }
        }
        return "";
    }

    /** The BCC tools installed here, Python first (the order), each executable file once. */
    static List<Tool> findBccTools()
    {
        final List<Path> directories = new ArrayList<>();
        final String path = System.getenv("PATH");
        if (path != null)
        {
            for (final String entry : path.split(":"))
            {
                if (!entry.isEmpty())
                {
                    directories.add(Path.of(entry));
                }
            }
        }
        directories.add(Path.of("/usr/sbin"));
        directories.add(Path.of("/sbin"));
        directories.add(Path.of("/usr/local/sbin"));

        final List<Path> candidates = new ArrayList<>();
        for (final Path directory : directories)
        {
            candidates.add(directory.resolve("offcputime-bpfcc"));
        }
        candidates.add(BCC_PYTHON_TOOLS);
        for (final Path directory : directories)
        {
            candidates.add(directory.resolve("offcputime"));
        }

        final List<Tool> python = new ArrayList<>();
        final List<Tool> libbpf = new ArrayList<>();
        final List<Path> seen = new ArrayList<>();
        for (final Path candidate : candidates)
        {
            final Path real;
            try
            {
                if (!Files.isRegularFile(candidate) || !Files.isExecutable(candidate))
                {
                    continue;
                }
                real = candidate.toRealPath();
            }
            catch (final IOException | SecurityException ex)
            {
                continue;
            }
            if (seen.contains(real))
            {
                continue;
            }
            seen.add(real);
            final Kind kind = kindOf(real);
            if (kind == Kind.BCC_PYTHON)
            {
                python.add(new Tool(kind, candidate.toString()));
            }
            else if (kind == Kind.LIBBPF_TOOLS)
            {
                libbpf.add(new Tool(kind, candidate.toString()));
            }
        }
        final List<Tool> tools = new ArrayList<>(python.subList(0, Math.min(1, python.size())));
        tools.addAll(libbpf.subList(0, Math.min(1, libbpf.size())));
        return tools;
    }

    /** An ELF binary is the libbpf-tools build; a script ({@code #!}) is BCC's Python tool. */
    static Kind kindOf(final Path executable)
    {
        final byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(executable))
        {
            final int read = in.readNBytes(head, 0, 4);
            if (read == 4 && head[0] == 0x7F && head[1] == 'E' && head[2] == 'L' && head[3] == 'F')
            {
                return Kind.LIBBPF_TOOLS;
            }
            if (read >= 2 && head[0] == '#' && head[1] == '!')
            {
                return Kind.BCC_PYTHON;
            }
        }
        catch (final IOException | SecurityException ex)
        {
            return null;
        }
        return null;
    }

    /** @return whether this process's effective capabilities allow loading BPF programs and reading stacks. */
    static boolean privileged()
    {
        final long capabilities = effectiveCapabilities();
        return (capabilities & (1L << CAP_SYS_ADMIN)) != 0 ||
            (capabilities & (1L << CAP_BPF)) != 0 && (capabilities & (1L << CAP_PERFMON)) != 0;
    }

    private static long effectiveCapabilities()
    {
        final String value = statusField("CapEff:");
        try
        {
            return value == null ? 0 : Long.parseUnsignedLong(value, 16);
        }
        catch (final NumberFormatException ex)
        {
            return 0;
        }
    }

    /** @return this process's real uid, or "unknown". */
    static String uid()
    {
        final String value = statusField("Uid:");
        return value == null ? "unknown" : value.split("\\s+")[0];
    }

    private static String statusField(final String field)
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8))
            {
                if (line.startsWith(field))
                {
                    return line.substring(field.length()).strip();
                }
            }
        }
        catch (final IOException | SecurityException ex)
        {
            return null;
        }
        return null;
    }

    @Override
    public String toString()
    {
        return String.format(Locale.ROOT, "OffCpuProfiler{%s}", describe());
    }
}
