package dev.docref.trap;

import java.io.File;
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
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
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
 * A BCC tool that would run without {@code CAP_BPF} and {@code CAP_PERFMON} (see {@link #access}: what counts is
 * what the tool gets when this process starts it, not what this process holds) is not run; {@link #missing()} says
 * what is missing and how to get it. One whose file capabilities could not be read is run, and its failure says
 * how to give it them.
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
    private static final Pattern CAPABILITY_OPERATOR = Pattern.compile("[=+-]");
    private static final Duration SHORTEST_WINDOW = Duration.ofSeconds(1);
    private static final Path BCC_PYTHON_TOOLS = Path.of("/usr/share/bcc/tools/offcputime");
    private static final int CAP_SYS_ADMIN = 21;
    private static final int CAP_PERFMON = 38;
    private static final int CAP_BPF = 39;
    private static final Duration GETCAP_TIMEOUT = Duration.ofSeconds(2);

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

    /**
     * Names the threads of {@code result}'s stacks by their Java names where the tool printed tids (libbpf-tools
     * {@code offcputime}) and {@code javaThreads} has them: reads the output of the run that gave the stacks again.
     *
     * @param javaThreads Java thread names by tid, from a thread dump ({@link JvmEvidence#javaThreadsByTid}); not
     *                    asked for where the output has no tids (BCC's Python tool, folded lines of a command).
     * @return {@code result} with its threads renamed, or {@code result} itself if there is nothing to rename.
     */
    Result withJavaThreads(final Result result, final Supplier<Map<Long, String>> javaThreads)
    {
        if (result.used() == null || result.used().kind() == Kind.BCC_PYTHON || result.runs().isEmpty())
        {
            return result;
        }
        final ToolRun run = result.runs().get(result.runs().size() - 1);
        if (!run.succeeded())
        {
            return result;
        }
        final String text = run.readStdout();
        if (!FoldedStacks.hasThreadLines(text))
        {
            // Folded lines (a docref.trap.command): no tids, so no thread dump to take.
            return result;
        }
        final Map<Long, String> names = javaThreads.get();
        if (names.isEmpty())
        {
            return result;
        }
        try
        {
            return new Result(FoldedStacks.parse(text, kernelSymbols.get(), names::get), result.runs(),
                result.used(), result.problems());
        }
        catch (final IllegalArgumentException ex)
        {
            // It parsed once; the same text parses again.
            return result;
        }
    }

    private final List<Tool> tools;
    private final List<String> missing;
    private final Duration grace;
    private final Map<Tool, String> hints;
    private final Supplier<KernelSymbols> kernelSymbols;

    OffCpuProfiler(
        final List<Tool> tools, final List<String> missing, final Duration grace,
        final Supplier<KernelSymbols> kernelSymbols)
    {
        this(tools, missing, Map.of(), grace, kernelSymbols);
    }

    /**
     * @param hints for a tool that may lack the capabilities BPF needs ({@link Verdict#TRY}): why, and how to fix
     *              it, added to the report of its failure.
     */
    OffCpuProfiler(
        final List<Tool> tools, final List<String> missing, final Map<Tool, String> hints, final Duration grace,
        final Supplier<KernelSymbols> kernelSymbols)
    {
        this.tools = new ArrayList<>(tools);
        this.missing = new ArrayList<>(missing);
        this.hints = Map.copyOf(hints);
        this.grace = grace;
        this.kernelSymbols = kernelSymbols;
    }

    /**
     * Finds the tools this machine has and whether each, started by this process, may use BPF.
     *
     * @param commandTemplate {@code docref.trap.command}, or {@code null}.
     */
    static OffCpuProfiler detect(final String commandTemplate)
    {
        final String status = ownStatus();
        return detect(commandTemplate, findBccTools(), status, tool -> fileCapabilities(status, tool));
    }

    /**
     * {@link #detect(String)} with what it finds on this machine given.
     *
     * @param bcc      the BCC tools found, as {@link #findBccTools()} returns them.
     * @param status   the text of {@code /proc/self/status}.
     * @param fileCaps each tool's file capabilities, as {@link #access} takes them.
     */
    static OffCpuProfiler detect(
        final String commandTemplate, final List<Tool> bcc, final String status,
        final Function<Tool, String> fileCaps)
    {
        final List<Tool> tools = new ArrayList<>();
        final List<String> missing = new ArrayList<>();
        final Map<Tool, String> hints = new LinkedHashMap<>();
        if (commandTemplate != null)
        {
            tools.add(new Tool(Kind.COMMAND, commandTemplate));
        }
        else if (bcc.isEmpty())
        {
            // With a command set, no BCC tool means no fallback, not no profile: the command may well print one.
            missing.add("no BCC offcputime found (looked for offcputime-bpfcc and offcputime on PATH, /usr/sbin, " +
                "/sbin and " + BCC_PYTHON_TOOLS + "): install it with " + INSTALL_HINT +
                ", or set docref.trap.command to a command that prints folded stacks");
        }
        final List<String> skipped = new ArrayList<>();
        for (final Tool tool : bcc)
        {
            final Access access = access(status, tool, fileCaps.apply(tool));
            if (access.verdict() == Verdict.SKIP)
            {
                skipped.add(access.reason());
                continue;
            }
            tools.add(tool);
            if (access.verdict() == Verdict.TRY)
            {
                hints.put(tool, access.reason());
            }
        }
        if (tools.isEmpty())
        {
            // A tool that was skipped is worth a word only if no other tool runs in its place.
            missing.addAll(skipped);
        }
        return new OffCpuProfiler(tools, missing, hints, DEFAULT_GRACE, KernelSymbols::load);
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
                advice(tool) + hint(tool.describe()));
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

    /**
     * @param name a tool's {@link Tool#describe()}, as a {@link ToolRun}'s name.
     * @return for a tool that may lack BPF's capabilities, {@code "; "} and why and how to fix it; else empty.
     */
    String hint(final String name)
    {
        for (final Map.Entry<Tool, String> entry : hints.entrySet())
        {
            if (entry.getKey().describe().equals(name))
            {
                return "; " + entry.getValue();
            }
        }
        return "";
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

    /** Whether a tool started by this process may load BPF programs and read stacks. */
    enum Verdict
    {
        /** It gets the capabilities: run it. */
        RUN,
        /** It cannot get them: running it would only fail. */
        SKIP,
        /** It gets them only from file capabilities of its own, which could not be read: run it and see. */
        TRY
    }

    /**
     * A judgement of {@link #access}.
     *
     * @param verdict what to do with the tool.
     * @param reason  for {@link Verdict#SKIP} and {@link Verdict#TRY}: which capabilities the tool lacks, why, and the
     *                ways to give them; {@code null} for {@link Verdict#RUN}.
     */
    record Access(Verdict verdict, String reason)
    {
    }

    /**
     * Judges whether {@code tool}, started by this process, gets the capabilities BPF needs: {@code CAP_BPF} with
     * {@code CAP_PERFMON}, or {@code CAP_SYS_ADMIN}. What counts is what {@code execve} gives the tool, not what this
     * process holds (capabilities(7)): a process whose effective user id is 0 gives a program its bounding set (and
     * its inheritable set); any other gives only its ambient set ({@code CapAmb}), so a JVM with {@code CAP_BPF} in
     * {@code CapEff} alone (a {@code setcap} on {@code java}, say) starts a tool that has none. A tool with file
     * capabilities gets those, within the bounding set, whoever starts it; a script's do not count, since the kernel
     * runs its interpreter. With {@code no_new_privs} set, a tool gets nothing beyond this process's permitted set.
     * Securebits ({@code SECBIT_NOROOT}) are not in {@code /proc} and are taken as unset: a root that they strip
     * runs the tool, which then fails and says so.
     *
     * @param status   the text of {@code /proc/self/status}: {@code Uid}, {@code CapInh}, {@code CapPrm},
     *                 {@code CapBnd}, {@code CapAmb} and {@code NoNewPrivs} are read.
     * @param tool     the tool.
     * @param fileCaps the tool's file capabilities as {@code getcap} prints them ({@code "/usr/sbin/offcputime
     *                 cap_perfmon,cap_bpf=ep"}), empty if it has none, {@code null} if they could not be read.
     */
    static Access access(final String status, final Tool tool, final String fileCaps)
    {
        final boolean root = "0".equals(statusValue(status, "Uid:", 1));
        final long bounding = capabilitySet(status, "CapBnd:");
        final boolean noNewPrivs = "1".equals(statusValue(status, "NoNewPrivs:", 0));
        final boolean script = tool.kind() != Kind.LIBBPF_TOOLS;
        // A file's capabilities, as getcap prints them, follow its name.
        final boolean fileCapable = !script && fileCaps != null && fileCaps.strip().split("\\s+").length > 1;
        final long fileEffective = fileCapable ? fileEffectiveCapabilities(fileCaps) : 0;
        long gained = fileEffective & bounding;
        if (root)
        {
            gained |= bounding | capabilitySet(status, "CapInh:");
        }
        if (noNewPrivs)
        {
            gained &= capabilitySet(status, "CapPrm:");
        }
        // A program with file capabilities loses the ambient set: it gets what its file gives.
        final long tools = gained | (fileCapable ? 0 : capabilitySet(status, "CapAmb:"));
        if (sufficient(tools))
        {
            return new Access(Verdict.RUN, null);
        }
        final String lacks = lacking(tools);
        final String fixes = fixes(tool, root);
        final boolean fileCapsCouldHelp = !noNewPrivs || sufficient(capabilitySet(status, "CapPrm:") & bounding);
        if (!script && fileCaps == null && !root && fileCapsCouldHelp)
        {
            return new Access(Verdict.TRY, tool.program() + " runs without " + lacks + " unless it has file " +
                "capabilities, which could not be read (no getcap): if it fails for want of them, " + fixes);
        }
        final String why;
        if (root)
        {
            why = "this process runs as root, but its capability bounding set (CapBnd) lacks them, so no program " +
                "it starts gets them (a container started without them, say)";
        }
        else if (fileCapable)
        {
            why = noNewPrivs ? "this process has no_new_privs set, which keeps a program's file capabilities from " +
                "raising it" : "its file capabilities (" + fileCaps.strip() + ") lack them";
        }
        else
        {
            why = "this process (uid " + statusValue(status, "Uid:", 1) + ") is not root and has not got them as " +
                "ambient capabilities (CapAmb " + String.format(Locale.ROOT, "%016x",
                capabilitySet(status, "CapAmb:")) + "), the only ones a program without file capabilities " +
                "inherits" + (sufficient(capabilitySet(status, "CapEff:")) ? "; its own effective ones (CapEff) " +
                "are not passed on" : "");
        }
        return new Access(Verdict.SKIP, "not allowed to use BPF: " + tool.program() + " would run without " + lacks +
            ": " + why + "; so it was not run; " + fixes);
    }

    /** The ways to give {@code tool} BPF's capabilities, as one clause. */
    private static String fixes(final Tool tool, final boolean root)
    {
        if (root)
        {
            return "give this process CAP_BPF and CAP_PERFMON in its bounding set (docker run --cap-add BPF " +
                "--cap-add PERFMON, or --privileged)";
        }
        final String fileCaps = tool.kind() == Kind.LIBBPF_TOOLS
            ? "give the tool file capabilities: sudo setcap cap_bpf,cap_perfmon+ep " + tool.program() + "; "
            : "";
        return "run as root; " + fileCaps + "make CAP_BPF and CAP_PERFMON ambient capabilities of this process " +
            "(systemd: AmbientCapabilities=CAP_BPF CAP_PERFMON; or start it with " +
            "capsh --addamb=cap_bpf,cap_perfmon); " +
            "or set docref.trap.command to e.g. 'sudo -n " + tool.program() +
            (tool.kind() == Kind.BCC_PYTHON ? " -K -f" : "") + " -p {pid} {seconds}'";
    }

    /** @return whether {@code capabilities} allow loading BPF programs and reading stacks. */
    private static boolean sufficient(final long capabilities)
    {
        return (capabilities & (1L << CAP_SYS_ADMIN)) != 0 ||
            (capabilities & (1L << CAP_BPF)) != 0 && (capabilities & (1L << CAP_PERFMON)) != 0;
    }

    /** @return which of BPF's capabilities {@code capabilities} lacks, e.g. "CAP_PERFMON (or CAP_SYS_ADMIN)". */
    private static String lacking(final long capabilities)
    {
        final List<String> names = new ArrayList<>();
        if ((capabilities & (1L << CAP_BPF)) == 0)
        {
            names.add("CAP_BPF");
        }
        if ((capabilities & (1L << CAP_PERFMON)) == 0)
        {
            names.add("CAP_PERFMON");
        }
        return String.join(" and ", names) + " (or CAP_SYS_ADMIN)";
    }

    /** A capability set of {@code /proc/self/status}, hex; none if absent or unreadable. */
    private static long capabilitySet(final String status, final String field)
    {
        final String value = statusValue(status, field, 0);
        try
        {
            return value == null ? 0 : Long.parseUnsignedLong(value, 16);
        }
        catch (final NumberFormatException ex)
        {
            return 0;
        }
    }

    /**
     * The capabilities that a file's capabilities, as {@code getcap} prints them, put in the effective set of the
     * program: those with both {@code e} and {@code p}. Clauses are {@code names op flags [op flags...]}, with
     * names comma-separated ({@code cap_bpf}, or a number as older libcap prints capabilities it does not know), none
     * meaning all; {@code =} sets the flags, {@code +} adds, {@code -} removes. Both the form of libcap 2.4x
     * ({@code path cap_bpf=ep}) and the older one ({@code path = cap_bpf+ep}) are read.
     */
    static long fileEffectiveCapabilities(final String getcap)
    {
        long permitted = 0;
        long effective = 0;
        final String[] tokens = getcap.strip().split("\\s+");
        // The first token is the file's name; an "=" alone is the older form's separator; "[rootid=N]" is not a clause.
        for (int i = 1; i < tokens.length; i++)
        {
            final String clause = tokens[i];
            if (clause.equals("=") || clause.startsWith("["))
            {
                continue;
            }
            final Matcher op = CAPABILITY_OPERATOR.matcher(clause);
            if (!op.find())
            {
                continue;
            }
            final long names = capabilityNames(clause.substring(0, op.start()));
            int at = op.start();
            while (at < clause.length())
            {
                final char operator = clause.charAt(at);
                int end = at + 1;
                while (end < clause.length() && "=+-".indexOf(clause.charAt(end)) < 0)
                {
                    end++;
                }
                final String flags = clause.substring(at + 1, end);
                if (operator == '=')
                {
                    permitted &= ~names;
                    effective &= ~names;
                }
                if (operator == '-')
                {
                    permitted &= flags.indexOf('p') >= 0 ? ~names : -1L;
                    effective &= flags.indexOf('e') >= 0 ? ~names : -1L;
                }
                else
                {
                    permitted |= flags.indexOf('p') >= 0 ? names : 0;
                    effective |= flags.indexOf('e') >= 0 ? names : 0;
                }
                at = end;
            }
        }
        return permitted & effective;
    }

    private static long capabilityNames(final String names)
    {
        if (names.isEmpty() || names.equals("all"))
        {
            return -1L;
        }
        long mask = 0;
        for (final String name : names.split(","))
        {
            final String bare = name.toLowerCase(Locale.ROOT).replaceFirst("^cap_", "");
            switch (bare)
            {
                case "sys_admin":
                    mask |= 1L << CAP_SYS_ADMIN;
                    break;
                case "perfmon":
                    mask |= 1L << CAP_PERFMON;
                    break;
                case "bpf":
                    mask |= 1L << CAP_BPF;
                    break;
                default:
                    if (bare.matches("\\d{1,2}") && Integer.parseInt(bare) < Long.SIZE)
                    {
                        mask |= 1L << Integer.parseInt(bare);
                    }
            }
        }
        return mask;
    }

    /** @return whether {@code tool}, started by this process, gets BPF's capabilities, as {@link #detect} judges. */
    static boolean privileged(final Tool tool)
    {
        final String status = ownStatus();
        return access(status, tool, fileCapabilities(status, tool)).verdict() == Verdict.RUN;
    }

    /**
     * The file capabilities of {@code tool} as {@code getcap} prints them, read only where they could matter (not
     * root, a binary rather than a script).
     *
     * @return empty if it has none; {@code null} if there is no {@code getcap} or it failed.
     */
    private static String fileCapabilities(final String status, final Tool tool)
    {
        if (tool.kind() != Kind.LIBBPF_TOOLS || "0".equals(statusValue(status, "Uid:", 1)))
        {
            return "";
        }
        for (final String getcap : List.of("/usr/sbin/getcap", "/sbin/getcap", "/usr/bin/getcap"))
        {
            if (Files.isExecutable(Path.of(getcap)))
            {
                return runGetcap(getcap, tool);
            }
        }
        return null;
    }

    private static String runGetcap(final String getcap, final Tool tool)
    {
        Process process = null;
        try
        {
            process = new ProcessBuilder(getcap, Path.of(tool.program()).toRealPath().toString())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
            // Its output is one short line, far below a pipe's buffer: waiting first cannot block it.
            if (!process.waitFor(GETCAP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) ||
                process.exitValue() != 0)
            {
                return null;
            }
            final String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            // getcap exits 0 even for a file it cannot read, saying so on standard error.
            return stderr.isBlank()
                ? new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip()
                : null;
        }
        catch (final IOException | RuntimeException ex)
        {
            return null;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return null;
        }
        finally
        {
            if (process != null)
            {
                process.destroyForcibly();
            }
        }
    }

    /** @return this process's real uid, or "unknown". */
    static String uid()
    {
        final String value = statusValue(ownStatus(), "Uid:", 0);
        return value == null ? "unknown" : value;
    }

    /** @return the text of {@code /proc/self/status}, or empty if it cannot be read. */
    static String ownStatus()
    {
        try
        {
            return Files.readString(Path.of("/proc/self/status"), StandardCharsets.UTF_8);
        }
        catch (final IOException | SecurityException ex)
        {
            return "";
        }
    }

    /** @return the {@code index}th whitespace-separated word of {@code field}'s line in {@code status}, or null. */
    static String statusValue(final String status, final String field, final int index)
    {
        for (final String line : status.split("\n"))
        {
            if (line.startsWith(field))
            {
                final String[] words = line.substring(field.length()).strip().split("\\s+");
                return index < words.length && !words[index].isEmpty() ? words[index] : null;
            }
        }
        return null;
    }

    @Override
    public String toString()
    {
        return String.format(Locale.ROOT, "OffCpuProfiler{%s}", describe());
    }
}
