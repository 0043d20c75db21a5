package dev.docref.trap;

import java.io.IOException;
import java.lang.management.LockInfo;
import java.lang.management.ManagementFactory;
import java.lang.management.MonitorInfo;
import java.lang.management.ThreadInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.management.JMException;
import javax.management.ObjectName;

/**
 * The JVM and process evidence a capture writes besides the off-CPU profile: thread dumps ({@code threads.txt}) and
 * the process's memory ({@code memory.txt}).
 * <p>
 * Thread dumps of this JVM come from {@link java.lang.management.ThreadMXBean} with full stacks, monitors and
 * ownable synchronizers; of another JVM from {@code jcmd PID Thread.print -l}. Both need a safepoint in the
 * dumped JVM, so a freeze inside a safepoint makes them wait: every read here has a timeout and a timeout is
 * written down as evidence. {@code smaps_rollup} takes the process's {@code mmap_lock}, so it cannot be read while
 * something holds that lock for writing, the very freeze of the incident; it too is read with a timeout. Reads in
 * this JVM run on the trap's {@link EvidenceReader} thread, which exists before any capture; {@code jcmd} runs as a
 * process with a timeout of its own.
 * <b>Thread-safety:</b> stateless; safe from any thread.
 */
final class JvmEvidence
{
    private JvmEvidence()
    {
    }

    /** @return whether {@code pid} is this process. */
    static boolean isThisProcess(final long pid)
    {
        return pid == ProcessHandle.current().pid();
    }

    /** @return whether {@code pid} is this JVM or another process that has {@code libjvm.so} mapped. */
    static boolean isJvm(final long pid)
    {
        if (isThisProcess(pid))
        {
            return true;
        }
        try (Stream<String> maps = Files.lines(Path.of("/proc/" + pid + "/maps"), StandardCharsets.ISO_8859_1))
        {
            return maps.anyMatch(line -> line.endsWith("/libjvm.so"));
        }
        catch (final IOException | RuntimeException ex)
        {
            return false;
        }
    }

    /** @return {@code jcmd} next to this JVM's {@code java}, else {@code jcmd} from PATH. */
    static String jcmd()
    {
        final Path beside = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        return Files.isExecutable(beside) ? beside.toString() : "jcmd";
    }

    /**
     * Runs {@code jcmd PID ARGS...} with a timeout.
     *
     * @return the run; its stdout and stderr files are temporary and the caller deletes them.
     */
    static ToolRun runJcmd(final long pid, final Duration timeout, final String... arguments) throws IOException
    {
        final Path stdout = Files.createTempFile("docref-trap-jcmd-", ".stdout");
        final Path stderr = Files.createTempFile("docref-trap-jcmd-", ".stderr");
        final List<String> command = new java.util.ArrayList<>(List.of(jcmd(), Long.toString(pid)));
        command.addAll(List.of(arguments));
        return ToolRun.execute("jcmd", command, timeout, stdout, stderr);
    }

    /**
     * A thread dump: states, locks and full stacks.
     *
     * @param evidence runs the dump of this JVM.
     * @return the dump, or a line saying why there is none.
     */
    static String threadDump(final long pid, final Duration timeout, final EvidenceReader evidence)
    {
        if (isThisProcess(pid))
        {
            return evidence.read(JvmEvidence::dumpThisJvm, timeout, "ThreadMXBean.dumpAllThreads");
        }
        if (!isJvm(pid))
        {
            return "(no thread dump: process " + pid + " is not a JVM)\n";
        }
        ToolRun run = null;
        try
        {
            run = runJcmd(pid, timeout, "Thread.print", "-l");
            if (run.succeeded())
            {
                return run.readStdout();
            }
            return "(no thread dump: " + run.commandLine() + ": " + run.outcome() + "; " +
                run.stderrTail().strip() + run.readStdout().strip() + ")\n";
        }
        catch (final IOException ex)
        {
            return "(no thread dump: " + ex + ")\n";
        }
        finally
        {
            deleteOutputs(run);
        }
    }

    /** Deletes a {@link #runJcmd} run's temporary files. */
    static void deleteOutputs(final ToolRun run)
    {
        if (run != null)
        {
            try
            {
                Files.deleteIfExists(run.stdout());
                Files.deleteIfExists(run.stderr());
            }
            catch (final IOException ex)
            {
                // Temporary files only; the OS cleans the temp directory.
            }
        }
    }

    /**
     * {@code /proc/PID/status} and {@code /proc/PID/smaps_rollup}, each read with a timeout.
     *
     * @param evidence runs the reads.
     * @return both files with headers, or for each a line saying why it could not be read.
     */
    static String memory(final long pid, final Duration timeout, final EvidenceReader evidence)
    {
        final StringBuilder text = new StringBuilder();
        for (final String file : new String[] { "status", "smaps_rollup" })
        {
            final Path path = Path.of("/proc/" + pid + "/" + file);
            text.append("==> ").append(path).append(" <==\n");
            text.append(evidence.read(() ->
            {
                try
                {
                    return new String(Files.readAllBytes(path), StandardCharsets.UTF_8);
                }
                catch (final IOException ex)
                {
                    return "(cannot read: " + ex + ")\n";
                }
            }, timeout, "reading " + path + " (it takes the process's mmap_lock: a writer holding that lock, such " +
                "as a huge mmap or munmap, blocks it)"));
            text.append('\n');
        }
        return text.toString();
    }

    /**
     * A thread's first line in a {@code jcmd Thread.print} dump: {@code "main" #1 prio=5 ... nid=0x1393 ...}, or
     * without {@code #N} for the JVM's own threads ({@code "VM Thread" os_prio=0 ...}); the {@code nid} is the
     * thread's id in the kernel (its tid), in hexadecimal up to JDK 18 and in decimal since.
     */
    private static final Pattern DUMPED_THREAD =
        Pattern.compile("^\"(.*)\" (?:#\\d+ )?.*?\\bnid=(?:0x([0-9a-fA-F]{1,15})|([0-9]{1,18}))\\b", Pattern.MULTILINE);

    /**
     * @param dump a {@code jcmd Thread.print} dump, or {@link #threadPrintThisJvm()}'s.
     * @return the Java name of each thread in it by its tid ({@code nid}); a dump of {@link #dumpThisJvm()}'s layout
     * has none.
     */
    static Map<Long, String> javaThreadsByTid(final String dump)
    {
        final Map<Long, String> names = new HashMap<>();
        final Matcher thread = DUMPED_THREAD.matcher(dump);
        while (thread.find())
        {
            names.put(thread.group(2) != null ? Long.parseLong(thread.group(2), 16) : Long.parseLong(thread.group(3)),
                thread.group(1));
        }
        return names;
    }

    /**
     * This JVM's {@code jcmd Thread.print}, through the {@code DiagnosticCommand} MBean: unlike
     * {@link java.lang.management.ThreadInfo}, which has no tid in JDK 17, it gives each thread's {@code nid}.
     */
    static String threadPrintThisJvm()
    {
        try
        {
            return (String)ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "threadPrint",
                new Object[] { new String[0] }, new String[] { String[].class.getName() });
        }
        catch (final JMException | RuntimeException ex)
        {
            return "(no threadPrint: " + ex + ")\n";
        }
    }

    /**
     * The Java names of the threads of {@code pid} by tid, for naming the threads of an off-CPU profile: of this JVM
     * from {@link #threadPrintThisJvm()} on {@code evidence} with {@code timeout}, of another JVM from
     * {@code otherJvmsDump}, its {@code jcmd Thread.print}.
     *
     * @return the names, empty where there is no dump to take them from (it timed out, not a JVM).
     */
    static Map<Long, String> javaThreadsByTid(
        final long pid, final String otherJvmsDump, final Duration timeout, final EvidenceReader evidence)
    {
        return javaThreadsByTid(isThisProcess(pid) ?
            evidence.read(JvmEvidence::threadPrintThisJvm, timeout, "DiagnosticCommand threadPrint") : otherJvmsDump);
    }

    /** This JVM's threads in the layout of {@code jstack}, with every frame (ThreadInfo.toString stops at 8). */
    static String dumpThisJvm()
    {
        final ThreadInfo[] threads = ManagementFactory.getThreadMXBean().dumpAllThreads(true, true);
        final StringBuilder dump = new StringBuilder(threads.length * 1024);
        dump.append("Thread dump of pid ").append(ProcessHandle.current().pid()).append(" (ThreadMXBean), ")
            .append(threads.length).append(" threads\n\n");
        for (final ThreadInfo thread : threads)
        {
            dump.append('"').append(thread.getThreadName()).append("\" #").append(thread.getThreadId())
                .append(thread.isDaemon() ? " daemon" : "").append(" prio=").append(thread.getPriority())
                .append(thread.isInNative() ? " in native" : "").append(thread.isSuspended() ? " suspended" : "")
                .append('\n');
            dump.append("   java.lang.Thread.State: ").append(thread.getThreadState());
            if (thread.getLockInfo() != null)
            {
                dump.append(" on ").append(thread.getLockInfo());
            }
            if (thread.getLockOwnerName() != null)
            {
                dump.append(" owned by \"").append(thread.getLockOwnerName()).append("\" #")
                    .append(thread.getLockOwnerId());
            }
            dump.append('\n');
            final StackTraceElement[] stack = thread.getStackTrace();
            for (int depth = 0; depth < stack.length; depth++)
            {
                dump.append("\tat ").append(stack[depth]).append('\n');
                if (depth == 0 && thread.getLockInfo() != null)
                {
                    dump.append("\t- ").append(waitVerb(thread)).append(' ').append(thread.getLockInfo())
                        .append('\n');
                }
                for (final MonitorInfo monitor : thread.getLockedMonitors())
                {
                    if (monitor.getLockedStackDepth() == depth)
                    {
                        dump.append("\t- locked ").append(monitor).append('\n');
                    }
                }
            }
            final LockInfo[] synchronizers = thread.getLockedSynchronizers();
            if (synchronizers.length > 0)
            {
                dump.append("\n   Locked ownable synchronizers:\n");
                for (final LockInfo synchronizer : synchronizers)
                {
                    dump.append("\t- ").append(synchronizer).append('\n');
                }
            }
            dump.append('\n');
        }
        return dump.toString();
    }

    private static String waitVerb(final ThreadInfo thread)
    {
        switch (thread.getThreadState())
        {
            case BLOCKED:
                return "waiting to lock";
            case WAITING:
            case TIMED_WAITING:
                return "parking to wait for / waiting on";
            default:
                return "waiting on";
        }
    }
}
