package dev.docref.trap;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.xml.sax.InputSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Helpers shared by the trap tests: real parsers for the files a capture writes, child JVMs, fake tools. */
final class TrapTesting
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private TrapTesting()
    {
    }

    /** Parses JSON with Jackson, so a summary that only our own writer could read fails. */
    static JsonNode json(final Path file) throws IOException
    {
        return JSON.readTree(file.toFile());
    }

    /** Parses XML with the JDK's parser (namespace-aware), failing on anything that is not well-formed. */
    static Document xml(final String text) throws Exception
    {
        final DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(new InputSource(new StringReader(text)));
    }

    /** An executable shell script. */
    static Path script(final Path directory, final String name, final String body) throws IOException
    {
        final Path file = directory.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    /** A profiler that runs only the given tools; its kernel symbols are {@code schedule} and {@code futex_wait}. */
    static OffCpuProfiler profiler(final Duration grace, final OffCpuProfiler.Tool... tools)
    {
        return new OffCpuProfiler(List.of(tools), List.of(), grace,
            () -> KernelSymbols.of(Set.of("schedule", "futex_wait")));
    }

    /** A profiler whose one tool is a command template that prints {@code folded} at once. */
    static OffCpuProfiler printing(final String folded)
    {
        return profiler(Duration.ofSeconds(5),
            new OffCpuProfiler.Tool(OffCpuProfiler.Kind.COMMAND, "printf '" + folded.replace("\n", "\\n") + "'"));
    }

    /** Starts {@code mainClass} in a child JVM on the test class path, stdin piped so it dies with us. */
    static Process childJvm(final Class<?> mainClass, final String... args) throws IOException
    {
        return childJvm(ProcessBuilder.Redirect.INHERIT, mainClass, args);
    }

    /** As {@link #childJvm(Class, String...)}, with the child's standard error sent to {@code stderr}. */
    static Process childJvm(final ProcessBuilder.Redirect stderr, final Class<?> mainClass, final String... args)
        throws IOException
    {
        final List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-cp", System.getProperty("java.class.path"), mainClass.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectError(stderr).start();
    }

    /** Reads a child's stdout lines until one starts with {@code prefix}; fails after {@code timeout}. */
    static String awaitLine(final BufferedReader reader, final String prefix, final Duration timeout)
        throws IOException
    {
        final long end = System.nanoTime() + timeout.toNanos();
        String line;
        while ((line = reader.readLine()) != null)
        {
            if (line.startsWith(prefix))
            {
                return line.substring(prefix.length()).strip();
            }
            if (System.nanoTime() > end)
            {
                break;
            }
        }
        throw new AssertionError("the child printed no line starting with \"" + prefix + "\" within " + timeout);
    }

    static BufferedReader stdout(final Process process)
    {
        return new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Kills a child and waits for it. */
    static void stop(final Process process) throws InterruptedException
    {
        if (process != null)
        {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Sends a signal with kill(1). */
    static void signal(final long pid, final String signal) throws Exception
    {
        final Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        if (kill.waitFor() != 0)
        {
            throw new AssertionError("kill -" + signal + " " + pid + " failed");
        }
    }

    /** The live threads of traps and stall detectors in this JVM: {@code docref-trap-*}, {@code docref-stall-*}. */
    static Set<Thread> trapThreads()
    {
        final Set<Thread> threads = new HashSet<>();
        for (final Thread thread : Thread.getAllStackTraces().keySet())
        {
            if (thread.getName().startsWith("docref-trap") || thread.getName().startsWith("docref-stall"))
            {
                threads.add(thread);
            }
        }
        return threads;
    }

    /** How many live processes have {@code fragment} in their command line. */
    static long processesWith(final String fragment)
    {
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(fragment)).count();
    }

    /**
     * Waits up to 10 s for every process with {@code fragment} in its command line to be gone, then kills any left.
     *
     * @return how many were left when the wait ended.
     */
    static long awaitGone(final String fragment) throws InterruptedException
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (processesWith(fragment) > 0 && System.nanoTime() < deadline)
        {
            Thread.sleep(20);
        }
        final long left = processesWith(fragment);
        ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(fragment))
            .forEach(ProcessHandle::destroyForcibly);
        return left;
    }
}
