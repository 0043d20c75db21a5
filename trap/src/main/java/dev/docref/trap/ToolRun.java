package dev.docref.trap;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One run of an external tool (an off-CPU profiler, {@code jcmd}) with a timeout: what ran, how it ended, and where
 * its output went.
 * <p>
 * {@link #execute} sends standard output and standard error to files, so a chatty tool can never block on a full
 * pipe and nothing is lost if the trap dies. A tool still running at its timeout is sent SIGTERM, then SIGKILL
 * 2 s later, children first (a {@code /bin/sh -c} wrapper would otherwise leave its child running). Where
 * {@code setsid} exists (util-linux), the tool starts as the leader of a process group of its own, and a kill reaches
 * every process of that group too: a child the tool forks after its children were listed, which the kill of its
 * parent would otherwise leave running with {@code init} as its parent.
 * <b>Thread-safety:</b> an immutable record; {@link #execute} blocks the calling thread.
 *
 * @param name     what ran, for people: {@code "libbpf-tools offcputime"}.
 * @param command  the command line.
 * @param exitCode the exit code, or -1 if the tool could not be started or was killed.
 * @param timedOut whether the tool was killed at its timeout.
 * @param elapsed  from start to exit (or to the kill).
 * @param stdout   the file holding standard output.
 * @param stderr   the file holding standard error.
 * @param failure  why the tool could not be started, or {@code null}.
 */
record ToolRun(
    String name, List<String> command, int exitCode, boolean timedOut, Duration elapsed, Path stdout, Path stderr,
    String failure)
{
    /** The {@link #failure} of a run whose wait was interrupted: the trap is closing, and the tool was killed. */
    static final String INTERRUPTED = "interrupted: the trap is closing";
    /** The part of standard error kept in summaries; the whole stays in its file. */
    static final int STDERR_TAIL_CHARS = 2_000;
    private static final Duration KILL_GRACE = Duration.ofSeconds(2);
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    /**
     * Runs a command and waits for it, at most {@code timeout}.
     *
     * @param stdout file for standard output (replaced).
     * @param stderr file for standard error (replaced).
     */
    static ToolRun execute(
        final String name, final List<String> command, final Duration timeout, final Path stdout, final Path stderr)
    {
        final long start = System.nanoTime();
        final boolean grouped = Files.isExecutable(SETSID);
        final Process process;
        try
        {
            process = new ProcessBuilder(grouped ? grouped(command) : command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile())
                .start();
        }
        catch (final IOException | RuntimeException ex)
        {
            return new ToolRun(name, List.copyOf(command), -1, false, Duration.ofNanos(System.nanoTime() - start),
                stdout, stderr, "could not start: " + ex.getMessage());
        }
        boolean timedOut = false;
        try
        {
            if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS))
            {
                timedOut = true;
                kill(process, grouped);
            }
        }
        catch (final InterruptedException ex)
        {
            kill(process, grouped);
            Thread.currentThread().interrupt();
            return new ToolRun(name, List.copyOf(command), -1, false, Duration.ofNanos(System.nanoTime() - start),
                stdout, stderr, INTERRUPTED);
        }
        final Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        return new ToolRun(name, List.copyOf(command), timedOut ? -1 : process.exitValue(), timedOut, elapsed, stdout,
            stderr, null);
    }

    /**
     * Kills a process tree: SIGTERM, then SIGKILL for whatever is left after {@link #KILL_GRACE}; for a tool started
     * as a process group's leader ({@link #grouped}), every process of the group as well.
     */
    static void kill(final Process process)
    {
        kill(process, false);
    }

    /** @param grouped whether {@code process} was started through {@code setsid} ({@link #grouped}). */
    static void kill(final Process process, final boolean grouped)
    {
        final long group = process.pid();
        final boolean leader = grouped && processGroup(group) == group;
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try
        {
            if (!process.waitFor(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS))
            {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        catch (final InterruptedException ex)
        {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        if (leader)
        {
            // Whatever of the group is left: a child forked after the children above were listed. Its group keeps
            // the leader's id, which Linux does not reuse while the group has members.
            killGroup(group);
        }
    }

    /** {@code command} run through {@code setsid}, so that it leads a process group of its own. */
    static List<String> grouped(final List<String> command)
    {
        final List<String> grouped = new ArrayList<>(command.size() + 1);
        grouped.add(SETSID.toString());
        grouped.addAll(command);
        return grouped;
    }

    /** SIGTERM, then SIGKILL after a short grace, to every process whose process group is {@code group}. */
    private static void killGroup(final long group)
    {
        List<ProcessHandle> members = groupMembers(group);
        members.forEach(ProcessHandle::destroy);
        final long deadline = System.nanoTime() + KILL_GRACE.toNanos();
        while (!members.isEmpty() && System.nanoTime() < deadline)
        {
            try
            {
                Thread.sleep(20);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                break;
            }
            members = groupMembers(group);
        }
        groupMembers(group).forEach(ProcessHandle::destroyForcibly);
    }

    private static List<ProcessHandle> groupMembers(final long group)
    {
        final List<ProcessHandle> members = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p ->
        {
            if (p.isAlive() && processGroup(p.pid()) == group)
            {
                members.add(p);
            }
        });
        return members;
    }

    /** The process group of {@code pid} from {@code /proc/PID/stat}, or -1 if it cannot be read (gone, not Linux). */
    static long processGroup(final long pid)
    {
        try
        {
            final String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so count from the last ')'.
            final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ", 4);
            return Long.parseLong(fields[2]);
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
    }

    /** @return whether the tool started, exited by itself and exited 0. */
    boolean succeeded()
    {
        return failure == null && !timedOut && exitCode == 0;
    }

    /** @return whether the wait for the tool was interrupted, which killed it: nothing says the tool is broken. */
    boolean interrupted()
    {
        return INTERRUPTED.equals(failure);
    }

    /** @return the command line as a shell would show it. */
    String commandLine()
    {
        final StringBuilder line = new StringBuilder();
        for (final String arg : command)
        {
            if (line.length() > 0)
            {
                line.append(' ');
            }
            line.append(arg.isEmpty() || arg.matches(".*[\\s'\"$`\\\\;&|<>(){}*?].*")
                ? "'" + arg.replace("'", "'\\''") + "'" : arg);
        }
        return line.toString();
    }

    /** @return standard output as text, or empty if it cannot be read. */
    String readStdout()
    {
        return read(stdout, Integer.MAX_VALUE);
    }

    /** @return the last {@link #STDERR_TAIL_CHARS} chars of standard error (one fewer rather than half a pair). */
    String stderrTail()
    {
        return read(stderr, STDERR_TAIL_CHARS);
    }

    /** @return one line saying how the run ended, e.g. {@code "exit 1 after 2.1 s"}. */
    String outcome()
    {
        final String seconds = String.format(java.util.Locale.ROOT, "%.1f s", elapsed.toNanos() / 1e9);
        if (failure != null)
        {
            return failure;
        }
        if (timedOut)
        {
            return "killed after " + seconds + " (timeout)";
        }
        return "exit " + exitCode + " after " + seconds;
    }

    /** @return the run as {@code summary.json} shows it. */
    Map<String, Object> toJson()
    {
        final Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", name);
        json.put("commandLine", commandLine());
        json.put("exitCode", failure != null || timedOut ? null : exitCode);
        json.put("timedOut", timedOut);
        json.put("elapsedMillis", elapsed.toMillis());
        json.put("failure", failure);
        json.put("stdoutFile", stdout.getFileName().toString());
        json.put("stderrFile", stderr.getFileName().toString());
        json.put("stderrTail", stderrTail());
        return json;
    }

    private static String read(final Path file, final int tailChars)
    {
        try
        {
            final String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
            return Excerpt.tail(text, tailChars);
        }
        catch (final IOException ex)
        {
            return "";
        }
    }
}
